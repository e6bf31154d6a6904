select :'DBNAME' = current_database() as dbname_ok, :{?ON_ERROR_STOP} as has_var, :{?NO_SUCH} as no_var;
select :VERSION_NUM > 100000 as vnum, :'nosuch' as untouched;
select 1 as one;
select :ROW_COUNT as rc;
