-- One row per order line: the staged lines, plus one line per derived order (see int_orders_unioned;
-- none unless `derive_orders_from_won_opportunities` is true) with quantity 1, unit_price = the
-- opportunity's amount in the reporting currency, and no product or cost. Line money is resolved here
-- once, in the reporting currency: net_amount = quantity * unit_price - discount_amount, and unit_cost
-- taken from the line (converted at the order's rate in staging), else from the product (dim_products,
-- already in the reporting currency), else unknown (NULL).
with

staged_lines as (
    select * from {{ ref('stg_crm__order_lines') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

derived_orders as (
    select * from {{ ref('int_orders_unioned') }}
    where is_derived_from_opportunity
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

staged_lines_costed as (
    select
        staged_lines.order_line_id,
        staged_lines.order_id,
        staged_lines.product_id,
        staged_lines.currency_code as original_currency_code,
        false as is_derived_from_opportunity,
        staged_lines.quantity,
        staged_lines.unit_price as original_unit_price,
        staged_lines.unit_price_reporting as unit_price,
        staged_lines.discount_amount_reporting as discount_amount,
        case
            when staged_lines.unit_cost_reporting is not null then 'line'
            when products.unit_cost is not null then 'product'
        end as unit_cost_source,
        coalesce(staged_lines.unit_cost_reporting, products.unit_cost) as unit_cost
    from staged_lines
    left join products
        on staged_lines.product_id = products.product_id
),

derived_lines as (
    select
        derived_orders.order_id as order_line_id,
        derived_orders.order_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        opportunities.currency_code as original_currency_code,
        cast(null as {{ dbt.type_string() }}) as unit_cost_source,
        true as is_derived_from_opportunity,
        cast(1 as decimal(18, 4)) as quantity,
        opportunities.amount as original_unit_price,
        -- a won deal without an amount yields a zero-value order rather than a NULL one
        coalesce(opportunities.amount_reporting, cast(0 as decimal(18, 2))) as unit_price,
        cast(0 as decimal(18, 2)) as discount_amount,
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
        unit_cost,
        cast(round(quantity * unit_price - discount_amount, 2) as decimal(18, 2)) as net_amount,
        cast(round(quantity * unit_cost, 2) as decimal(18, 2)) as cost_amount,
        unit_cost is not null as is_cost_known
    from all_lines
)

select * from final
