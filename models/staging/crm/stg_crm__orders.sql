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
        is_account_missing,
        is_account_unresolved,
        is_rep_unresolved,
        is_ordered_at_imputed,
        is_invoiced_at_imputed,
        is_invoiced_before_ordered,
        resolved_ordered_at as ordered_at,
        resolved_invoiced_at as invoiced_at,
        cancelled_at,
        refunded_at,
        updated_at
        {{ crm_extra_columns_after('orders') }}  -- noqa: LT02
    from kept_orders
)

select * from final
