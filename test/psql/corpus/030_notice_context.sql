create function pg_temp.inner_f() returns void language plpgsql as $$
begin
  raise notice 'from inner';
end $$;
create function pg_temp.outer_f() returns void language plpgsql as $$
begin
  perform pg_temp.inner_f();
end $$;
select pg_temp.outer_f();
set client_min_messages = debug1;
reset client_min_messages;
