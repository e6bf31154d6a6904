select 1 as a, '' as b;
create temp table t (x int);
select x from (values (1),(2)) v(x);
insert into t values (1), (2);
select * from nosuch;
select 'not reached';
