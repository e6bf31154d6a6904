create temp table guard (a int);
insert into guard values (1);
select * from missing_table;
insert into guard values (2);
