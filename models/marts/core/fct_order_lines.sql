-- One row per order line of an order in fct_orders, with its money in the reporting currency (net amount
-- at the order date's rate for bookings, invoiced net amount and cost at the invoice date's rate for
-- revenue and margin), its product category, and its order's attribution, flags and months, so line-level
-- KPIs filter on flags without joining back to orders.
with

lines as (
    select * from {{ ref('int_order_lines_unioned') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        lines.order_line_id,
        lines.order_id,
        lines.product_id,
        orders.account_id,
        orders.credited_rep_id,
        orders.segment,
        orders.opportunity_type,
        lines.original_currency_code,
        lines.unit_cost_source,
        orders.is_booked,
        orders.is_cancelled,
        orders.is_invoiced,
        orders.is_refunded,
        orders.is_derived_from_opportunity,
        orders.is_unknown_account,
        lines.is_cost_known,
        lines.quantity,
        lines.unit_price,
        lines.discount_amount,
        lines.net_amount,
        lines.revenue_rate_to_reporting,
        lines.invoiced_net_amount,
        lines.unit_cost,
        lines.cost_amount,
        orders.currency_code,
        orders.ordered_at,
        orders.invoiced_at,
        orders.refunded_at,
        orders.ordered_month,
        orders.invoiced_month,
        orders.refunded_month,
        orders.invoiced_date,
        orders.refunded_date,
        coalesce(products.category, 'uncategorised') as category
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join products
        on lines.product_id = products.product_id
)

select * from final
