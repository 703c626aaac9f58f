-- kpi_customer_acquisition_cost adds up:
--   1. the blended rows (channel = 'all') count every customer in dim_accounts acquired within the month
--      spine (dim_months), each once (when the view has rows: without any cost data it has none);
--   2. per month, the channel rows add up to the 'all' row for new customers and marketing spend, and for
--      allocated sales expenses whenever the month has new customers (a month without new customers keeps
--      its sales expenses on the 'all' row only, by design).
-- Returns one row per failed check.
with

cac as (
    select * from {{ ref('kpi_customer_acquisition_cost') }}
),

months as (
    select month_start from {{ ref('dim_months') }}
),

customers_in_spine as (
    select count(*) as customers
    from {{ ref('dim_accounts') }} as dim_accounts
    inner join months
        on dim_accounts.acquisition_month = months.month_start
    where dim_accounts.is_customer
),

blended_total as (
    select coalesce(sum(new_customers), 0) as new_customers
    from cac
    where channel = 'all'
),

total_check as (
    select
        cast(null as date) as month_start,
        'all_new_customers_vs_dim_accounts' as check_name,
        cast(customers_in_spine.customers as decimal(38, 2)) as expected_value,
        cast(blended_total.new_customers as decimal(38, 2)) as actual_value
    from customers_in_spine
    cross join blended_total
    where
        customers_in_spine.customers <> blended_total.new_customers
        and exists (select 1 from cac)
),

channel_sums as (
    select
        month_start,
        sum(new_customers) as new_customers,
        sum(marketing_spend) as marketing_spend,
        sum(sales_expense_allocated) as sales_expense_allocated
    from cac
    where channel <> 'all'
    group by month_start
),

blended as (
    select * from cac
    where channel = 'all'
),

month_checks as (
    select
        blended.month_start,
        'new_customers' as check_name,
        cast(blended.new_customers as decimal(38, 2)) as expected_value,
        cast(coalesce(channel_sums.new_customers, 0) as decimal(38, 2)) as actual_value
    from blended
    left join channel_sums on blended.month_start = channel_sums.month_start
    where blended.new_customers <> coalesce(channel_sums.new_customers, 0)

    union all

    select
        blended.month_start,
        'marketing_spend' as check_name,
        cast(blended.marketing_spend as decimal(38, 2)) as expected_value,
        cast(coalesce(channel_sums.marketing_spend, 0) as decimal(38, 2)) as actual_value
    from blended
    left join channel_sums on blended.month_start = channel_sums.month_start
    where blended.marketing_spend <> coalesce(channel_sums.marketing_spend, 0)

    union all

    select
        blended.month_start,
        'sales_expense_allocated' as check_name,
        cast(blended.sales_expense_allocated as decimal(38, 2)) as expected_value,
        cast(coalesce(channel_sums.sales_expense_allocated, 0) as decimal(38, 2)) as actual_value
    from blended
    left join channel_sums on blended.month_start = channel_sums.month_start
    where
        blended.new_customers > 0
        and blended.sales_expense_allocated <> coalesce(channel_sums.sales_expense_allocated, 0)
),

final as (
    select * from total_check
    union all
    select * from month_checks
)

select * from final
