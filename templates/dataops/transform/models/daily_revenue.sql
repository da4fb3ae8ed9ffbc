-- Orders and revenue per day, cancelled orders excluded.
select
    cast(order_date as date) as order_date,
    count(*) as orders,
    cast(round(sum(amount), 2) as decimal(12, 2)) as revenue
from orders
where status <> 'cancelled'
group by cast(order_date as date)
order by order_date
