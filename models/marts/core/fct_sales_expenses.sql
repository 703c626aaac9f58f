-- One row per staged sales expense row (month x rep or team x category), in the reporting currency.
-- scope says whose cost it is: a rep's, a team's (no rep) or the company's (neither). A rep's cost
-- without a team takes the rep's team from dim_reps. Expenses of months after the as-of month do not count.
with

expenses as (
    select * from {{ ref('stg_crm__sales_expenses') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "cast(expenses.expense_month as " ~ dbt.type_string() ~ ")",
            "'|'",
            "coalesce(expenses.rep_id, '')",
            "'|'",
            "coalesce(expenses.team, '')",
            "'|'",
            "coalesce(expenses.category, '')",
        ])) }} as sales_expense_id,
        expenses.rep_id,
        coalesce(expenses.team, reps.team) as team,
        case
            when expenses.rep_id is not null then 'rep'
            when expenses.team is not null then 'team'
            else 'company'
        end as scope,
        coalesce(expenses.category, 'unknown') as category,
        cast(expenses.amount_reporting as decimal(18, 2)) as amount,
        '{{ reporting_currency() }}' as currency_code,
        cast(expenses.amount as decimal(18, 2)) as original_amount,
        expenses.currency_code as original_currency_code,
        {{ month_start('expenses.expense_month') }} as expense_month
    from expenses
    left join reps
        on expenses.rep_id = reps.rep_id
    where {{ month_start('expenses.expense_month') }} <= {{ month_start(as_of_date()) }}
)

select * from final
