select 1 as first; select nosuch_col from (select 1) x; select 3;
