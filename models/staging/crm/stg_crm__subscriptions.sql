-- One row per subscription, MRR converted to the reporting currency.
with

kept_subscriptions as (
    select * from {{ ref('base_crm__subscriptions') }}
    where _disposition = 'kept'
),

final as (
    select
        subscription_id,
        account_id,
        product_id,
        status,
        is_account_unresolved,
        is_product_unresolved,
        mrr,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('mrr') }} as mrr_reporting,
        started_at,
        ended_at
        {{ crm_extra_columns_after('subscriptions') }}  -- noqa: LT02
    from kept_subscriptions
)

select * from final
