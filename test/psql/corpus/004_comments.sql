-- leading comment, not sent
/* block comment before */ select 1 as a; -- trailing comment
select /* inside */ 2 as b -- dash inside
  , 3 as c;
/* nested /* comment ; with semicolon */ still comment ; */ select 4 as d;
select 5 as e /* after */;
-- comment at the end
