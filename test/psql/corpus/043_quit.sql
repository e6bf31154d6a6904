select 1 as a;
\q
select 2 as b;
