-- One row per order: the current, valid version, with the rate that converts its lines.
with

kept_orders as (
    select * from {{ ref('base_crm__orders') }}
    where _disposition = 'kept'
),

final as (
    select
        order_id,
        account_id,
        opportunity_id,
        rep_id,
        status,
        currency_code,
        rate_to_reporting,
        ordered_at,
        invoiced_at,
        updated_at
    from kept_orders
)

select * from final
