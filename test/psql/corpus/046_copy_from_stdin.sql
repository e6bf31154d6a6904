create temp table cin (a int, b text);
copy cin from stdin;
1	one
2	two
\.
select * from cin order by a;
copy cin (a, b) from stdin with (format csv);
3,three
\.
select count(*) from cin;
