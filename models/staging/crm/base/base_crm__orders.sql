-- Every raw orders row, typed and classified, converted at the rate of the order date.
with

typed_rows as (
    {{ crm_typed_rows(
        'orders',
        lower=['status'],
        upper=['currency_code'],
        required=['account_id', 'ordered_at', 'status', 'currency_code'],
    ) }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

reps as (
    select rep_id from {{ ref('stg_crm__sales_reps') }}
),

enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known,
        accounts.account_id is not null as _account_found,
        reps.rep_id is not null as _rep_found
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', reporting_date('typed_rows.ordered_at')) }}
    left join accounts on typed_rows.account_id = accounts.account_id
    left join reps on typed_rows.rep_id = reps.rep_id
),

final as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': "status not in ('booked', 'invoiced', 'paid', 'cancelled', 'refunded')",
             'reason': 'unknown_label', 'detail': 'status'},
            {'when': "status in ('invoiced', 'paid', 'refunded') and invoiced_at is null",
             'reason': 'missing_required_value', 'detail': "'invoiced_at'"},
        ] + crm_currency_rules([]) + [
            {'when': 'invoiced_at < ordered_at', 'reason': 'close_before_create'},
            crm_future_rule(['ordered_at', 'invoiced_at']),
            crm_orphan_rule('account_id', '_account_found'),
            crm_orphan_rule('rep_id', '_rep_found'),
        ], soft_delete=false) }}
    from enriched
)

select * from final
