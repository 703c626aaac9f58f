-- Every raw subscriptions row, typed and classified, with MRR converted at the rate of the start date.
with

typed_rows as (
    {{ crm_typed_rows(
        'subscriptions',
        lower=['status'],
        upper=['currency_code'],
        required=['account_id', 'started_at', 'mrr', 'currency_code'],
    ) }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

products as (
    select product_id from {{ ref('stg_crm__products') }}
),

enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known,
        accounts.account_id is not null as _account_found,
        -- when the optional products table is absent, the link cannot be checked
        {{ 'products.product_id is not null' if crm_table_exists('products') else 'true' }} as _product_found
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', reporting_date('typed_rows.started_at')) }}
    left join accounts on typed_rows.account_id = accounts.account_id
    left join products on typed_rows.product_id = products.product_id
),

final as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': "status not in ('active', 'cancelled', 'expired')", 'reason': 'unknown_label', 'detail': 'status'},
            crm_negative_rule(['mrr']),
        ] + crm_currency_rules(['mrr']) + [
            {'when': 'ended_at < started_at', 'reason': 'end_before_start'},
            crm_orphan_rule('account_id', '_account_found'),
            crm_orphan_rule('product_id', '_product_found'),
        ], soft_delete=false) }}
    from enriched
)

select * from final
