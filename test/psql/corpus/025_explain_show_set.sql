explain (costs off) select * from generate_series(1, 10) g where g > 5;
show client_min_messages;
set client_min_messages = warning;
show client_min_messages;
reset client_min_messages;
set local work_mem = '1MB';
