create temp table cin2 (a int);
copy cin2 from stdin;
1
notanumber
\.
select 'not reached';
