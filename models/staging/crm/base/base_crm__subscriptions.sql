-- Every raw subscriptions row, typed and classified, with MRR converted at the rate of the start date. A
-- subscription whose account or product is not kept is kept and flagged (the account becomes an inferred
-- member of dim_accounts). Quarantined: one without an account (whose activity would it be?), and a
-- cancelled or expired one without ended_at (when it stopped is unknown, so its active months are too).
{{ config(**crm_incremental_config('subscription_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'subscriptions',
        lower=['status'],
        upper=['currency_code'],
        required=['account_id', 'started_at', 'mrr', 'currency_code'],
        incremental=true,
        depends_on=[
            {'table': 'accounts', 'column': 'account_id', 'found': '_account_found'},
            {'table': 'products', 'column': 'product_id', 'found': '_product_found'},
        ],
        reads_rates=true,
    ) }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

products as (
    select product_id from {{ ref('stg_crm__products') }}
),

{% set rate_day = reporting_date('typed_rows.started_at') -%}
enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known,
        accounts.account_id is not null as _account_found,
        -- when the optional products table is absent, the link cannot be checked
        {{ 'products.product_id is not null' if crm_table_exists('products') else 'true' }} as _product_found
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', rate_day) }}
    left join accounts on typed_rows.account_id = accounts.account_id
    left join products on typed_rows.product_id = products.product_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': "status not in ('active', 'cancelled', 'expired')", 'reason': 'unknown_label', 'detail': 'status'},
            {'when': "status in ('cancelled', 'expired') and ended_at is null",
             'reason': 'missing_required_value', 'detail': "'ended_at'"},
            crm_negative_rule(['mrr']),
        ] + crm_currency_rules(['mrr']) + [
            {'when': 'ended_at < started_at', 'reason': 'end_before_start'},
        ], soft_delete=false) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('subscriptions') }}
    from dispositioned
)

select * from final
