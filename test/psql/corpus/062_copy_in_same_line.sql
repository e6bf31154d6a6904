create temp table c3 (a int, b text); copy c3 from stdin; select 'rest of the line' as r;
1	x
2	\N
\.
select * from c3;
copy c3 from stdin with (format csv, header);
a,b
3,"quoted, comma"
\.
table c3;
