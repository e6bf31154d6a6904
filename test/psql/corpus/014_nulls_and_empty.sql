select null as n, '' as e, null::int as ni, 'x' as x;
select null;
