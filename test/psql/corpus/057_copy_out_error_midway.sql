copy (select 10 / (2 - g) from generate_series(1, 3) g) to stdout;
select 'not reached';
