-- Every raw sales_targets row, typed and classified. Money targets (revenue, bookings) convert at the
-- rate of the period start; count targets carry no currency.
{{ config(**crm_incremental_config('target_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'sales_targets',
        lower=['metric'],
        upper=['currency_code'],
        collapse=['team'],
        required=['period_start', 'period_end', 'metric', 'target_value'],
        incremental=true,
        depends_on=[{'table': 'sales_reps', 'column': 'rep_id', 'found': '_rep_found'}],
        reads_rates=true,
    ) }}
),

reps as (
    select rep_id from {{ ref('stg_crm__sales_reps') }}
),

{% set rate_day = 'typed_rows.period_start' -%}
enriched as (
    select
        typed_rows.*,
        typed_rows.metric in ('revenue', 'bookings') as is_money_metric,
        case
            when typed_rows.metric in ('revenue', 'bookings')
                then {{ crm_rate_to_reporting('typed_rows.currency_code') }}
            else cast(1 as decimal(28, 12))
        end as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known,
        reps.rep_id is not null as _rep_found
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', rate_day) }}
    left join reps on typed_rows.rep_id = reps.rep_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': "metric not in ('revenue', 'bookings', 'units', 'new_accounts', 'deals_won')",
             'reason': 'unknown_label', 'detail': 'metric'},
            crm_negative_rule(['target_value']),
            {'when': 'is_money_metric and currency_code is null',
             'reason': 'missing_required_value', 'detail': "'currency_code'"},
            {'when': 'is_money_metric and not _currency_is_known', 'reason': 'unknown_currency',
             'detail': 'currency_code'},
            {'when': 'is_money_metric and rate_to_reporting is null', 'reason': 'missing_currency_rate',
             'detail': 'currency_code'},
            {'when': 'period_end < period_start', 'reason': 'end_before_start'},
        ], soft_delete=false) }}
    from enriched
),

-- a target for a rep that is not kept is kept and flagged: kpi_sales_vs_target shows it without members
final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('sales_targets') }}
    from dispositioned
)

select * from final
