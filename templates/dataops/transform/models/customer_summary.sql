-- One row per customer: orders, revenue and first and last order day (cancelled orders
-- excluded). The email is the hashed one of the validated zone: no raw PII gets here.
select
    c.customer_id,
    c.email as email_hash,
    c.country,
    count(o.order_id) as orders,
    cast(round(coalesce(sum(o.amount), 0), 2) as decimal(12, 2)) as revenue,
    cast(min(o.order_date) as date) as first_order_date,
    cast(max(o.order_date) as date) as last_order_date
from customers as c
left join orders as o
    on o.customer_id = c.customer_id and o.status <> 'cancelled'
group by c.customer_id, c.email, c.country
order by c.customer_id
