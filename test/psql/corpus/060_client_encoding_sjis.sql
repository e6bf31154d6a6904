set client_encoding = 'SJIS';
select E'•\' as a, 2 as b;
select 'x' as c;
