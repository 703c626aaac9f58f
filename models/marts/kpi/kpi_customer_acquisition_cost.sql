{{ config(materialized='view') }}
-- One row per month and acquisition channel (with its channel group), plus one row per month with
-- channel = 'all' (blended): new customers (first booked order in the month, by the channel of the lead
-- behind the first won deal, 'unattributed' otherwise), the channel's marketing spend, the month's sales
-- expenses shared across channels in proportion to new customers, CAC = (marketing spend + allocated sales
-- expense) / new customers, and the month's company-wide predicted CLV over CAC. Months run from the first
-- month with new customers, spend or sales expenses to the as-of month.
with

months as (
    select * from {{ ref('dim_months') }}
),

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

first_months as (
    select min(month_start) as first_month
    from (
        select month_start from monthly_new_customers
        union all
        select month_start from monthly_spend
        union all
        select month_start from monthly_expenses
    ) as activity_months
    -- CAC needs costs: a company that loads neither marketing spend nor sales expenses gets no rows
    -- (an unknown cost is not a zero cost)
    having (select count(*) from monthly_spend) + (select count(*) from monthly_expenses) > 0
),

channel_months as (
    select
        months.month_start,
        months.is_complete_month,
        channels.channel,
        channels.channel_group,
        coalesce(monthly_new_customers.new_customers, 0) as new_customers,
        coalesce(monthly_spend.marketing_spend, 0) as marketing_spend,
        coalesce(monthly_expenses.sales_expenses, 0) as month_sales_expenses,
        sum(coalesce(monthly_new_customers.new_customers, 0)) over (
            partition by months.month_start
        ) as month_new_customers
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    cross join channels
    left join monthly_new_customers
        on
            months.month_start = monthly_new_customers.month_start
            and channels.channel = monthly_new_customers.channel
    left join monthly_spend
        on
            months.month_start = monthly_spend.month_start
            and channels.channel = monthly_spend.channel
    left join monthly_expenses
        on months.month_start = monthly_expenses.month_start
),

-- expenses in whole cents per channel (largest remainder), so channel shares add up to the month's total
allocation_exact as (
    select
        *,
        case
            when month_new_customers > 0
                then month_sales_expenses * 100 * new_customers / month_new_customers
            else 0
        end as exact_cents
    from channel_months
),

allocation_floors as (
    select
        *,
        floor(exact_cents) as floor_cents,
        exact_cents - floor(exact_cents) as remainder_cents
    from allocation_exact
),

allocation_ranked as (
    select
        *,
        case
            when month_new_customers > 0
                then month_sales_expenses * 100 - sum(floor_cents) over (partition by month_start)
            else 0
        end as leftover_cents,
        row_number() over (
            partition by month_start
            order by remainder_cents desc, channel asc
        ) as remainder_order
    from allocation_floors
),

channel_rows as (
    select
        month_start,
        is_complete_month,
        channel,
        channel_group,
        new_customers,
        marketing_spend,
        (floor_cents + case when remainder_order <= leftover_cents then 1 else 0 end) / 100.0
            as sales_expense_allocated
    from allocation_ranked
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
