create temp table r (id serial, v text);
insert into r (v) values ('a'), ('b') returning id, v;
update r set v = upper(v) where id = 1 returning *;
delete from r where id = 2 returning v;
with ins as (insert into r (v) values ('c') returning id) select count(*) from ins;
