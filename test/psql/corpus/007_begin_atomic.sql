create function pg_temp.add(a int, b int) returns int
language sql
begin atomic
  select a + b;
end;
select pg_temp.add(2, 3) as sum;
create or replace function pg_temp.cases(a int) returns text
language sql
begin atomic
  select case when a > 0 then 'pos' else 'nonpos' end;
end;
select pg_temp.cases(1), pg_temp.cases(-1);
create procedure pg_temp.p(inout x int) language sql begin atomic select x + 1; end; call pg_temp.p(1);
