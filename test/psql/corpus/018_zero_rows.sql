select 1 as a, 'b' as b where false;
select * from pg_class where relname = 'no such relation, really';
