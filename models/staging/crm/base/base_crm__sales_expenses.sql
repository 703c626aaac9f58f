-- Every raw sales_expenses row, typed and classified, converted at the rate of the expense month.
with

typed_rows as (
    {{ crm_typed_rows(
        'sales_expenses',
        lower=['category'],
        upper=['currency_code'],
        collapse=['team'],
        required=['amount', 'currency_code'],
    ) }}
),

enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', 'typed_rows.expense_month') }}
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
