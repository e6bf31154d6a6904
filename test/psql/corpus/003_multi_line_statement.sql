select
  1 as one,
  2 as two
;
select 3
   as three;
