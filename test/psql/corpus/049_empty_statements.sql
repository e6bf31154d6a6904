;
select 1 as a;;
/* only a comment */;
