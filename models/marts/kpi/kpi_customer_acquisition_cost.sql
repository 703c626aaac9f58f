-- One row per month and acquisition channel (with its channel group), plus one row per month with
-- channel = 'all' (blended): new customers (acquired in the month, by the channel of the lead behind the
-- first won deal, 'unattributed' otherwise), the channel's marketing spend, the month's sales expenses
-- shared across channels in proportion to new customers (int_sales_expense_allocation, whole cents),
-- CAC = (marketing spend + allocated sales expense) / new customers, and the month's company-wide
-- predicted CLV (trailing 12 months, D39) over CAC. Months run from the first month with new customers,
-- spend or sales expenses to the as-of month.
with

dim_channels as (
    select * from {{ ref('dim_channels') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

marketing_spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

sales_expenses as (
    select * from {{ ref('fct_sales_expenses') }}
),

customer_value as (
    select * from {{ ref('int_customer_value_monthly') }}
),

expense_allocation as (
    select * from {{ ref('int_sales_expense_allocation') }}
),

monthly_new_customers as (
    select
        acquisition_month as month_start,
        acquisition_channel as channel,
        acquisition_channel_group as channel_group,
        count(*) as new_customers
    from accounts
    where is_customer
    group by acquisition_month, acquisition_channel, acquisition_channel_group
),

monthly_spend as (
    select
        spend_month as month_start,
        channel,
        channel_group,
        sum(amount) as marketing_spend
    from marketing_spend
    group by spend_month, channel, channel_group
),

monthly_expenses as (
    select
        expense_month as month_start,
        sum(amount) as sales_expenses
    from sales_expenses
    group by expense_month
),

-- the standard channels, plus any channel the data carries that the seed does not
channels as (
    select
        channel,
        channel_group
    from dim_channels

    union

    select
        channel,
        channel_group
    from monthly_new_customers

    union

    select
        channel,
        channel_group
    from monthly_spend
),

activity_months as (
    select month_start from monthly_new_customers
    union all
    select month_start from monthly_spend
    union all
    select month_start from monthly_expenses
),

-- CAC needs costs: a company that loads neither marketing spend nor sales expenses gets no rows (an unknown
-- cost is not a zero cost)
costed_activity_months as (
    select month_start from activity_months
    where (select count(*) from monthly_spend) + (select count(*) from monthly_expenses) > 0
),

spine as (
    {{ kpi_months('costed_activity_months') }}
),

channel_months as (
    select
        spine.month_start,
        spine.is_complete_month,
        channels.channel,
        channels.channel_group,
        coalesce(monthly_new_customers.new_customers, 0) as new_customers,
        coalesce(monthly_spend.marketing_spend, 0) as marketing_spend,
        coalesce(monthly_expenses.sales_expenses, 0) as month_sales_expenses
    from spine
    cross join channels
    left join monthly_new_customers
        on
            spine.month_start = monthly_new_customers.month_start
            and channels.channel = monthly_new_customers.channel
    left join monthly_spend
        on
            spine.month_start = monthly_spend.month_start
            and channels.channel = monthly_spend.channel
    left join monthly_expenses
        on spine.month_start = monthly_expenses.month_start
),

channel_rows as (
    select
        channel_months.month_start,
        channel_months.is_complete_month,
        channel_months.channel,
        channel_months.channel_group,
        channel_months.new_customers,
        channel_months.marketing_spend,
        coalesce(expense_allocation.sales_expense_allocated, 0) as sales_expense_allocated
    from channel_months
    left join expense_allocation
        on
            channel_months.month_start = expense_allocation.month_start
            and channel_months.channel = expense_allocation.channel
),

-- blended: every new customer and all spend; the month's sales expenses whole, even without new customers
all_rows as (
    select
        month_start,
        is_complete_month,
        'all' as channel,
        'all' as channel_group,
        sum(new_customers) as new_customers,
        sum(marketing_spend) as marketing_spend,
        max(month_sales_expenses) as sales_expense_allocated
    from channel_months
    group by month_start, is_complete_month
),

unioned as (
    select * from channel_rows
    union all
    select * from all_rows
),

costed as (
    select
        unioned.month_start,
        unioned.channel,
        unioned.channel_group,
        unioned.is_complete_month,
        unioned.channel = 'all' as is_blended,
        cast(unioned.new_customers as {{ dbt.type_bigint() }}) as new_customers,
        {{ money('unioned.marketing_spend') }} as marketing_spend,
        {{ money('unioned.sales_expense_allocated') }} as sales_expense_allocated,
        {{ money('unioned.marketing_spend + unioned.sales_expense_allocated') }} as acquisition_cost,
        cast(
            {{ safe_divide('(unioned.marketing_spend + unioned.sales_expense_allocated)', 'unioned.new_customers') }}
            as decimal(18, 2)
        ) as cac,
        customer_value.predicted_clv
    from unioned
    left join customer_value
        on unioned.month_start = customer_value.month_start
),

final as (
    select
        month_start,
        channel,
        channel_group,
        is_complete_month,
        is_blended,
        new_customers,
        marketing_spend,
        sales_expense_allocated,
        acquisition_cost,
        cac,
        predicted_clv,
        {{ safe_divide('predicted_clv', 'cac') }} as ltv_to_cac_ratio,
        '{{ reporting_currency() }}' as currency_code
    from costed
)

select * from final
