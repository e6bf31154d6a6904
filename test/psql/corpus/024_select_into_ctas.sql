select g as n into temp t1 from generate_series(1, 5) g;
create temp table t2 as select * from t1 where n > 2;
create temp table t3 as select * from t1 with no data;
select count(*) from t2;
