select 1 as a \; select 2 as b;
select 'x'::text as typecast, 1 as "col:on";
