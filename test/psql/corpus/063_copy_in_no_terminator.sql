create temp table c4 (a int);
copy c4 from stdin;
1
2
