-- One row per expense month, rep (or team) and category of sales cost, converted to the reporting
-- currency.
with

kept_expenses as (
    select * from {{ ref('base_crm__sales_expenses') }}
    where _disposition = 'kept'
),

final as (
    select
        expense_month,
        rep_id,
        team,
        category,
        amount,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('amount') }} as amount_reporting
        {{ crm_extra_columns_after('sales_expenses') }}  -- noqa: LT02
    from kept_expenses
)

select * from final
