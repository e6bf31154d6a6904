copy (select g, 'v' || g, null from generate_series(1, 3) g) to stdout;
copy (select 'a,b' as x, 2 as y) to stdout with (format csv, header);
select 'after copy' as msg;
