select 1 as ok;
selec 2;
select 3;
