select;
select from generate_series(1, 3);
create temp table nocols();
select * from nocols;
