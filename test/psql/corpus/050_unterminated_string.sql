select 'unterminated;
select 1;
