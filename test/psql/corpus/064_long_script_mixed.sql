-- an agent's typical exploratory script
create temp table orders (id serial primary key, customer text not null, amount numeric(10,2), created timestamptz default '2024-01-01 00:00:00+00');
insert into orders (customer, amount) select 'cust' || (g % 7), g * 1.5 from generate_series(1, 50) g;
select customer, count(*) as n, sum(amount) as total
  from orders
 group by customer
 order by customer;
with top as (
  select customer, sum(amount) s from orders group by 1 order by 2 desc limit 3
)
select * from top;
update orders set amount = amount * 2 where customer = 'cust1';
select count(*) filter (where amount > 50) as big, count(*) as all_rows from orders;
delete from orders where id % 10 = 0 returning id;
select id, customer, amount, created from orders order by id limit 5;
