-- Every raw sales_expenses row, typed and classified, converted at the rate of the expense month.
-- Incremental by rep (D133): the key starts with a date, written in more than one way, so a night reads
-- every row of each rep with a new row (and every row without a rep).
{{ config(**crm_incremental_config('rep_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'sales_expenses',
        lower=['category'],
        upper=['currency_code'],
        collapse=['team'],
        required=['amount', 'currency_code'],
        incremental=true,
        incremental_key='rep_id',
        reads_rates=true,
    ) }}
),

{% set rate_day = 'typed_rows.expense_month' -%}
enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', rate_day) }}
),

final as (
    select
        enriched.*,
        {{ crm_disposition([crm_negative_rule(['amount'])] + crm_currency_rules(['amount']) + [
            crm_future_rule(['expense_month']),
        ], soft_delete=false) }}
    from enriched
)

select * from final
