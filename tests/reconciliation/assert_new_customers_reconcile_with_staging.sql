-- kpi_customer_acquisition_cost adds up:
--   1. the blended rows (channel = 'all') count every customer acquired within the month spine, recounted
--      from staging (when the view has rows: without any cost data it has none): an account named by a
--      staged order ordered by the as-of date and not cancelled by then (cancelled_at, else updated_at,
--      never before the order) is a customer from its first such order's month; an account without one
--      but with a staged subscription started by then, from its first subscription's month; with
--      derive_orders_from_won_opportunities, a won deal without an order is an order at its close;
--   2. per month, the channel rows add up to the 'all' row for new customers and marketing spend, and for
--      allocated sales expenses whenever the month has new customers (a month without new customers keeps
--      its sales expenses on the 'all' row only, by design).
-- Returns one row per failed check.
{%- set derive_orders = boolean_var('derive_orders_from_won_opportunities', false) %}
with

cac as (
    select * from {{ ref('kpi_customer_acquisition_cost') }}
),

months as (
    select month_start from {{ ref('dim_months') }}
),

booked_orders as (
    select
        account_id,
        ordered_at
    from {{ ref('stg_crm__orders') }}
    where
        account_id is not null
        and {{ reporting_date('ordered_at') }} <= {{ as_of_date() }}
        and not (
            status = 'cancelled'
            and {{ reporting_date('greatest(coalesce(cancelled_at, updated_at, ordered_at), ordered_at)') }}
            <= {{ as_of_date() }}
        )

    {%- if derive_orders %}

    union all

    select
        opportunities.account_id,
        opportunities.closed_at as ordered_at
    from {{ ref('stg_crm__opportunities') }} as opportunities
    where
        opportunities.is_won
        and opportunities.account_id is not null
        and {{ reporting_date('opportunities.closed_at') }} <= {{ as_of_date() }}
        and opportunities.opportunity_id not in (
            select staged.opportunity_id
            from {{ ref('stg_crm__orders') }} as staged
            where staged.opportunity_id is not null
        )
    {%- endif %}
),

first_orders as (
    select
        account_id,
        min(ordered_at) as acquired_at
    from booked_orders
    group by account_id
),

first_subscriptions as (
    select
        account_id,
        min(started_at) as acquired_at
    from {{ ref('stg_crm__subscriptions') }}
    where {{ reporting_date('started_at') }} <= {{ as_of_date() }}
    group by account_id
),

acquisitions as (
    select
        account_id,
        acquired_at
    from first_orders

    union all

    select
        first_subscriptions.account_id,
        first_subscriptions.acquired_at
    from first_subscriptions
    left join first_orders
        on first_subscriptions.account_id = first_orders.account_id
    where first_orders.account_id is null
),

customers_in_spine as (
    select count(*) as customers
    from acquisitions
    inner join months
        on {{ reporting_month('acquisitions.acquired_at') }} = months.month_start
),

blended_total as (
    select coalesce(sum(new_customers), 0) as new_customers
    from cac
    where channel = 'all'
),

total_check as (
    select
        cast(null as date) as month_start,
        'all_new_customers_vs_staging' as check_name,
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
