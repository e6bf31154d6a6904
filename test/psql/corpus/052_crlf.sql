select 1 as crlf;
select
2 as two;
