select 1 as a;
\foo bar
select 2 as b;
