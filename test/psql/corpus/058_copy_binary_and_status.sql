copy (select 1 as a) to stdout with (format csv);
select 'between' as x;
copy (select g from generate_series(1,2) g) to stdout \; select 'same string' as y;
