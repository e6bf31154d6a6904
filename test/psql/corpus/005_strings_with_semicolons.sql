select 'a;b' as s1, 'it''s;' as s2;
select E'back\'slash;' as s3, e'tab\there' as s4;
select "quoted;ident" from (select 1 as "quoted;ident") q;
select $$dollar;quoted$$ as d1, $tag$with $$ inside;$tag$ as d2;
select U&'\0041;' as u, b'101' as bits, x'1F' as hex, n'nat;' as nat;
