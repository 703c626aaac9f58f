-- One row per order line: the staged lines, plus one line per derived order (see int_orders_unioned;
-- none unless `derive_orders_from_won_opportunities` is true) with quantity 1, unit_price = the
-- opportunity's amount in the reporting currency, and no product or cost. Line money is resolved here
-- once, in the reporting currency, at two dates:
--   bookings (order date):  unit_price, discount_amount, net_amount = quantity * unit_price - discount,
--                           converted at the order date's rate (staging does it);
--   revenue (invoice date): invoiced_unit_price, invoiced_discount_amount, invoiced_net_amount, and the
--                           cost: the line's unit_cost (order currency), else the product's unit_cost (the
--                           product's currency), else unknown (NULL), each converted at the rate of the
--                           invoice date (the order date while not invoiced), so history never restates
--                           with the as-of date or a later rate.
-- A rate is the nearest currency_rates row on or before the reporting-zone date. Fallbacks: an invoice
-- dated before every rate of the order's currency converts at the order's own rate; a product cost dated
-- before every rate of its currency converts at that currency's first rate.
with

staged_lines as (
    select * from {{ ref('stg_crm__order_lines') }}
),

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

products as (
    select * from {{ ref('stg_crm__products') }}
),

rates as (
    select * from {{ ref('stg_crm__currency_rates') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

first_rates as (
    select
        currency_code,
        rate_to_reporting
    from (
        select
            currency_code,
            rate_to_reporting,
            row_number() over (partition by currency_code order by valid_from) as rate_rank
        from rates
    ) as ranked_rates
    where rate_rank = 1
),

staged_lines_dated as (
    select
        staged_lines.*,
        orders.rate_to_reporting as order_rate_to_reporting,
        products.unit_cost as product_unit_cost,
        products.currency_code as product_currency_code,
        {{ reporting_date('coalesce(orders.invoiced_at, orders.ordered_at)') }} as revenue_date
    from staged_lines
    inner join orders
        on staged_lines.order_id = orders.order_id
    left join products
        on staged_lines.product_id = products.product_id
),

staged_lines_rated as (
    select
        staged_lines_dated.*,
        case
            when staged_lines_dated.currency_code = '{{ reporting_currency() }}' then cast(1 as decimal(28, 12))
            else coalesce(line_rates.rate_to_reporting, staged_lines_dated.order_rate_to_reporting)
        end as revenue_rate_to_reporting,
        case
            when staged_lines_dated.product_currency_code = '{{ reporting_currency() }}'
                then cast(1 as decimal(28, 12))
            else coalesce(product_rates.rate_to_reporting, product_first_rates.rate_to_reporting)
        end as product_rate_to_reporting
    from staged_lines_dated
    left join rates as line_rates
        on
            staged_lines_dated.currency_code = line_rates.currency_code
            and staged_lines_dated.revenue_date >= line_rates.valid_from
            and staged_lines_dated.revenue_date < line_rates.valid_to
    left join rates as product_rates
        on
            staged_lines_dated.product_currency_code = product_rates.currency_code
            and staged_lines_dated.revenue_date >= product_rates.valid_from
            and staged_lines_dated.revenue_date < product_rates.valid_to
    left join first_rates as product_first_rates
        on staged_lines_dated.product_currency_code = product_first_rates.currency_code
),

staged_lines_costed as (
    select
        order_line_id,
        order_id,
        product_id,
        currency_code as original_currency_code,
        false as is_derived_from_opportunity,
        quantity,
        unit_price as original_unit_price,
        unit_price_reporting as unit_price,
        discount_amount_reporting as discount_amount,
        revenue_rate_to_reporting,
        {{ to_reporting('unit_price', 'revenue_rate_to_reporting') }} as invoiced_unit_price,
        {{ to_reporting('discount_amount', 'revenue_rate_to_reporting') }} as invoiced_discount_amount,
        case
            when unit_cost is not null then 'line'
            when product_unit_cost is not null then 'product'
        end as unit_cost_source,
        case
            when unit_cost is not null then {{ to_reporting('unit_cost', 'revenue_rate_to_reporting') }}
            else {{ to_reporting('product_unit_cost', 'product_rate_to_reporting') }}
        end as unit_cost
    from staged_lines_rated
),

derived_orders as (
    select * from orders
    where is_derived_from_opportunity
),

-- a derived order is booked and invoiced at the deal's close: one date, one amount
derived_lines as (
    select
        derived_orders.order_id as order_line_id,
        derived_orders.order_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        opportunities.currency_code as original_currency_code,
        true as is_derived_from_opportunity,
        cast(1 as decimal(18, 4)) as quantity,
        opportunities.amount as original_unit_price,
        -- a won deal without an amount yields a zero-value order rather than a NULL one
        coalesce(opportunities.amount_reporting, cast(0 as decimal(18, 2))) as unit_price,
        cast(0 as decimal(18, 2)) as discount_amount,
        cast(1 as decimal(28, 12)) as revenue_rate_to_reporting,
        coalesce(opportunities.amount_reporting, cast(0 as decimal(18, 2))) as invoiced_unit_price,
        cast(0 as decimal(18, 2)) as invoiced_discount_amount,
        cast(null as {{ dbt.type_string() }}) as unit_cost_source,
        cast(null as decimal(18, 2)) as unit_cost
    from derived_orders
    inner join opportunities
        on derived_orders.opportunity_id = opportunities.opportunity_id
),

all_lines as (
    select
        order_line_id,
        order_id,
        product_id,
        original_currency_code,
        unit_cost_source,
        is_derived_from_opportunity,
        quantity,
        original_unit_price,
        unit_price,
        discount_amount,
        revenue_rate_to_reporting,
        invoiced_unit_price,
        invoiced_discount_amount,
        unit_cost
    from staged_lines_costed

    union all

    select
        order_line_id,
        order_id,
        product_id,
        original_currency_code,
        unit_cost_source,
        is_derived_from_opportunity,
        quantity,
        original_unit_price,
        unit_price,
        discount_amount,
        revenue_rate_to_reporting,
        invoiced_unit_price,
        invoiced_discount_amount,
        unit_cost
    from derived_lines
),

final as (
    select
        order_line_id,
        order_id,
        product_id,
        original_currency_code,
        unit_cost_source,
        is_derived_from_opportunity,
        quantity,
        original_unit_price,
        unit_price,
        discount_amount,
        cast(round(quantity * unit_price - discount_amount, 2) as decimal(18, 2)) as net_amount,
        revenue_rate_to_reporting,
        invoiced_unit_price,
        invoiced_discount_amount,
        cast(round(quantity * invoiced_unit_price - invoiced_discount_amount, 2) as decimal(18, 2))
            as invoiced_net_amount,
        unit_cost,
        cast(round(quantity * unit_cost, 2) as decimal(18, 2)) as cost_amount,
        unit_cost is not null as is_cost_known
    from all_lines
)

select * from final
