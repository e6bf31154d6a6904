do $$ begin raise notice 'plain notice'; end $$;
do $$ begin raise warning 'a warning' using detail = 'some detail', hint = 'a hint'; end $$;
create function pg_temp.noisy(i int) returns int language plpgsql as $$
begin
  raise notice 'row %', i;
  return i;
end $$;
select pg_temp.noisy(g) from generate_series(1, 3) g;
select 'after' as done;
