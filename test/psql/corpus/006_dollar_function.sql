create function pg_temp.f(i int) returns int language plpgsql as $body$
begin
  -- a comment; with semicolon
  return i * 2;
end;
$body$;
select pg_temp.f(21) as answer;
do $$
declare x text := 'a;b';
begin
  raise notice 'x is %', x;
end
$$;
