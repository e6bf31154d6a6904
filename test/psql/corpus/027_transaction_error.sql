begin;
select 1 as in_tx;
select 1/0;
select 'aborted';
commit;
