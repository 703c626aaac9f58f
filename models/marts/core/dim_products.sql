-- One row per product (current version) with its category and its cost per unit in the reporting
-- currency, the fallback for order lines that carry no cost.
with

products as (
    select * from {{ ref('stg_crm__products') }}
),

final as (
    select
        product_id,
        product_name,
        coalesce(category, 'uncategorised') as category,
        is_active,
        list_price_reporting as list_price,
        unit_cost_reporting as unit_cost,
        '{{ reporting_currency() }}' as currency_code,
        currency_code as original_currency_code,
        updated_at
    from products
)

select * from final
