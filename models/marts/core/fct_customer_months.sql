-- One row per customer x month, from the customer's first active month to the as-of month. A month is
-- judged at its evaluation point: its last day, or the as-of date for the as-of month. Customers with any
-- subscription are active while a subscription runs at that point; the others while their latest invoice
-- is at most `churn_inactivity_days` days old. Month-over-month flags (new, retained, churned,
-- reactivated) and MRR movements are derived in one pass with window functions.
{%- set inactivity_days = non_negative_int_var('churn_inactivity_days', 90) %}
with

months as (
    select
        month_start,
        is_complete_month,
        case when is_as_of_month then as_of_date else month_end end as evaluation_date
    from {{ ref('dim_months') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

subscriptions as (
    select
        account_id,
        mrr_reporting as mrr,
        {{ reporting_date('started_at') }} as started_date,
        {{ reporting_date('ended_at') }} as ended_date
    from {{ ref('stg_crm__subscriptions') }}
    -- a subscription started after the as-of date does not exist yet (nor make its account a subscriber)
    where {{ is_on_or_before_as_of('started_at') }}
),

-- the unknown account (orders naming no account) is not a customer
invoiced_orders as (
    select * from {{ ref('fct_orders') }}
    where is_invoiced and not is_unknown_account
),

subscribing_accounts as (
    select distinct account_id
    from subscriptions
),

-- subscriptions running at each month's evaluation point (started on or before it, not ended by it)
subscription_months as (
    select
        subscriptions.account_id,
        months.month_start,
        count(*) as active_subscriptions,
        sum(subscriptions.mrr) as mrr
    from subscriptions
    inner join months
        on
            subscriptions.started_date <= months.evaluation_date
            and (subscriptions.ended_date is null or subscriptions.ended_date > months.evaluation_date)
    group by subscriptions.account_id, months.month_start
),

-- invoices only define activity for customers without subscriptions
invoice_months as (
    select
        invoiced_orders.account_id,
        invoiced_orders.invoiced_month as month_start,
        max(invoiced_orders.invoiced_date) as last_invoice_date_in_month
    from invoiced_orders
    left join subscribing_accounts
        on invoiced_orders.account_id = subscribing_accounts.account_id
    where subscribing_accounts.account_id is null
    group by invoiced_orders.account_id, invoiced_orders.invoiced_month
),

candidate_starts as (
    select
        account_id,
        min(month_start) as first_candidate_month
    from (
        select
            account_id,
            month_start
        from subscription_months
        union all
        select
            account_id,
            month_start
        from invoice_months
    ) as activity_months
    group by account_id
),

customer_month_spine as (
    select
        candidate_starts.account_id,
        months.month_start,
        months.evaluation_date,
        months.is_complete_month,
        subscribing_accounts.account_id is not null as uses_subscriptions,
        coalesce(subscription_months.active_subscriptions, 0) as active_subscriptions,
        coalesce(subscription_months.mrr, 0) as running_mrr,
        max(invoice_months.last_invoice_date_in_month) over (
            partition by candidate_starts.account_id
            order by months.month_start
            rows between unbounded preceding and current row
        ) as last_invoice_date
    from candidate_starts
    inner join months
        on candidate_starts.first_candidate_month <= months.month_start
    left join subscribing_accounts
        on candidate_starts.account_id = subscribing_accounts.account_id
    left join subscription_months
        on
            candidate_starts.account_id = subscription_months.account_id
            and months.month_start = subscription_months.month_start
    left join invoice_months
        on
            candidate_starts.account_id = invoice_months.account_id
            and months.month_start = invoice_months.month_start
),

activity as (
    select
        customer_month_spine.*,
        case
            when customer_month_spine.uses_subscriptions then customer_month_spine.active_subscriptions > 0
            else
                customer_month_spine.last_invoice_date is not null
                and {{ days_between(
                    'customer_month_spine.last_invoice_date', 'customer_month_spine.evaluation_date'
                ) }} <= {{ inactivity_days }}
        end as is_active
    from customer_month_spine
),

activity_bounded as (
    select
        activity.*,
        min(case when activity.is_active then activity.month_start end)
            over (partition by activity.account_id)
            as first_active_month
    from activity
),

customer_months as (
    select
        account_id,
        month_start,
        evaluation_date,
        is_complete_month,
        uses_subscriptions,
        is_active,
        first_active_month,
        active_subscriptions,
        last_invoice_date,
        case when is_active then running_mrr else 0 end as mrr
    from activity_bounded
    where month_start >= first_active_month
),

with_previous as (
    select
        customer_months.*,
        coalesce(
            lag(customer_months.is_active)
                over (partition by customer_months.account_id order by customer_months.month_start),
            false
        ) as was_active_previous_month,
        coalesce(
            lag(customer_months.mrr)
                over (partition by customer_months.account_id order by customer_months.month_start),
            0
        ) as mrr_previous_month
    from customer_months
),

flagged as (
    select
        with_previous.*,
        with_previous.month_start = with_previous.first_active_month as is_new,
        with_previous.was_active_previous_month and not with_previous.is_active as is_churned,
        with_previous.was_active_previous_month and with_previous.is_active as is_retained,
        with_previous.is_active
        and not with_previous.was_active_previous_month
        and with_previous.month_start > with_previous.first_active_month as is_reactivated
    from with_previous
),

final as (
    select
        flagged.account_id,
        flagged.month_start,
        coalesce(accounts.segment, 'unknown') as segment,
        flagged.uses_subscriptions,
        flagged.is_active,
        flagged.was_active_previous_month,
        flagged.is_new,
        flagged.is_churned,
        flagged.is_retained,
        flagged.is_reactivated,
        flagged.is_complete_month,
        cast(flagged.active_subscriptions as integer) as active_subscriptions,
        cast(flagged.mrr as decimal(18, 2)) as mrr,
        cast(flagged.mrr_previous_month as decimal(18, 2)) as mrr_previous_month,
        cast(case when flagged.is_new then flagged.mrr else 0 end as decimal(18, 2)) as new_mrr,
        cast(case when flagged.is_reactivated then flagged.mrr else 0 end as decimal(18, 2)) as reactivated_mrr,
        cast(
            case
                when flagged.is_retained and flagged.mrr > flagged.mrr_previous_month
                    then flagged.mrr - flagged.mrr_previous_month
                else 0
            end as decimal(18, 2)
        ) as expansion_mrr,
        cast(
            case
                when flagged.is_retained and flagged.mrr < flagged.mrr_previous_month
                    then flagged.mrr_previous_month - flagged.mrr
                else 0
            end as decimal(18, 2)
        ) as contraction_mrr,
        cast(case when flagged.is_churned then flagged.mrr_previous_month else 0 end as decimal(18, 2))
            as churned_mrr,
        '{{ reporting_currency() }}' as currency_code,
        flagged.evaluation_date,
        flagged.last_invoice_date,
        flagged.first_active_month
    from flagged
    left join accounts
        on flagged.account_id = accounts.account_id
)

select * from final
