select 1 as a \; do $$ begin raise notice 'second statement notice'; end $$ \; select 3 as c;
select 1 as x \; select 1/0 \; select 'never' as y;
