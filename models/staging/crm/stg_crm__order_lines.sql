-- One row per order line of a kept order, converted at its order's rate (the bookings value).
with

kept_lines as (
    select * from {{ ref('base_crm__order_lines') }}
    where _disposition = 'kept'
),

final as (
    select
        order_line_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        coalesce(discount_amount, 0) as discount_amount,
        unit_cost,
        currency_code,
        rate_to_reporting,
        is_product_missing,
        is_product_unresolved,
        {{ to_reporting('unit_price') }} as unit_price_reporting,
        {{ to_reporting('coalesce(discount_amount, 0)') }} as discount_amount_reporting,
        {{ to_reporting('unit_cost') }} as unit_cost_reporting
        {{ crm_extra_columns_after('order_lines') }}  -- noqa: LT02
    from kept_lines
)

select * from final
