create temp table tgt (id int primary key, v text);
create temp table src (id int, v text);
insert into tgt values (1, 'old');
insert into src values (1, 'new'), (2, 'two');
merge into tgt using src on tgt.id = src.id
when matched then update set v = src.v
when not matched then insert values (src.id, src.v);
table tgt;
