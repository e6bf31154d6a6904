values (1, 'one'), (2, 'two');
create temp table tt as values (1, 'x');
table tt;
