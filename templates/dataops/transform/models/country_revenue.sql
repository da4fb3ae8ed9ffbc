-- depends_on: {{ ref('customer_summary') }}
-- Customers, orders and revenue per country, from the customer summary.
select
    country,
    count(*) as customers,
    sum(orders) as orders,
    cast(sum(revenue) as decimal(14, 2)) as revenue
from customer_summary
group by country
order by country
