select 1::int + 2 as sum, 'a' || 'b' as cat, 3 - -1 as neg, 2 ^ 3 as pow, 10 % 3 as mod,
       '{1,2,3}'::int[] @> '{2}' as contains, array[1,2,3][2:3] as slice;
select 1 --+ comment in operator
+ 1 as two;
