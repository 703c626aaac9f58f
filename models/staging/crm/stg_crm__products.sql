-- One row per product: the current, valid version, prices converted to the reporting currency.
with

kept_products as (
    select * from {{ ref('base_crm__products') }}
    where _disposition = 'kept'
),

final as (
    select
        product_id,
        product_name,
        category,
        is_active,
        list_price,
        unit_cost,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('list_price') }} as list_price_reporting,
        {{ to_reporting('unit_cost') }} as unit_cost_reporting,
        updated_at
        {{ crm_extra_columns_after('products') }}  -- noqa: LT02
    from kept_products
)

select * from final
