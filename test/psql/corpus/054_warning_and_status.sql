commit;
rollback;
set transaction isolation level serializable;
