-- One row per month and acquisition channel with new customers in a month that has sales expenses: the
-- share of the month's sales expenses allocated to the channel in proportion to its new customers, in
-- whole cents by the largest-remainder method (remainder ties go to the channel first in alphabetical
-- order), so the channels' shares add up to the month's expenses exactly. kpi_customer_acquisition_cost
-- reads it; a month without new customers allocates nothing (its expenses show on the blended row only).
with

customers as (
    select * from {{ ref('dim_accounts') }}
    where is_customer
),

sales_expenses as (
    select * from {{ ref('fct_sales_expenses') }}
),

monthly_new_customers as (
    select
        acquisition_month as month_start,
        acquisition_channel as channel,
        count(*) as new_customers
    from customers
    group by acquisition_month, acquisition_channel
),

monthly_expenses as (
    select
        expense_month as month_start,
        sum(amount) as sales_expenses
    from sales_expenses
    group by expense_month
),

shares as (
    select
        monthly_new_customers.month_start,
        monthly_new_customers.channel,
        monthly_new_customers.new_customers,
        monthly_expenses.sales_expenses as month_sales_expenses,
        sum(monthly_new_customers.new_customers) over (
            partition by monthly_new_customers.month_start
        ) as month_new_customers
    from monthly_new_customers
    inner join monthly_expenses
        on monthly_new_customers.month_start = monthly_expenses.month_start
),

exact_cents as (
    select
        shares.*,
        shares.month_sales_expenses * 100 * shares.new_customers / shares.month_new_customers as exact_cents
    from shares
),

floors as (
    select
        exact_cents.*,
        floor(exact_cents.exact_cents) as floor_cents,
        exact_cents.exact_cents - floor(exact_cents.exact_cents) as remainder_cents
    from exact_cents
),

ranked as (
    select
        floors.*,
        floors.month_sales_expenses * 100 - sum(floors.floor_cents) over (partition by floors.month_start)
            as leftover_cents,
        row_number() over (
            partition by floors.month_start
            order by floors.remainder_cents desc, floors.channel asc
        ) as remainder_order
    from floors
),

final as (
    select
        month_start,
        channel,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(month_new_customers as {{ dbt.type_bigint() }}) as month_new_customers,
        cast(month_sales_expenses as decimal(18, 2)) as month_sales_expenses,
        cast(
            (floor_cents + case when remainder_order <= leftover_cents then 1 else 0 end) / 100.0
            as decimal(18, 2)
        ) as sales_expense_allocated,
        '{{ reporting_currency() }}' as currency_code
    from ranked
)

select * from final
