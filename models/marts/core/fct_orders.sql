-- One row per order (staged, plus orders derived from won opportunities when that fallback is on) that
-- was ordered on or before the as-of date, with the business flags every revenue and bookings KPI filters
-- on, its value from its lines, its attribution and its dates in the reporting time zone.
-- Flags are as of the as-of date: an invoice, cancellation or refund dated after it has not happened yet.
-- A cancellation is dated by cancelled_at, else the order's last change (updated_at), never before the
-- order; a refund by refunded_at, else updated_at, never before the invoice. Without any such time the
-- event is dated at the order (cancellation) or the invoice (refund): it nets to zero where it started.
-- Attribution: an order naming no account belongs to the unknown account (never a customer); credit
-- goes to the order's rep, else the opportunity owner, else the account owner (the first that is a kept
-- rep), else the unassigned rep (D12, D30).
with

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

lines as (
    select * from {{ ref('int_order_lines_unioned') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

reps as (
    select rep_id from {{ ref('dim_reps') }}
    where not is_unassigned
),

line_totals as (
    select
        order_id,
        count(*) as line_count,
        sum(case when is_cost_known then 0 else 1 end) as uncosted_line_count,
        sum(quantity) as units,
        sum(net_amount) as order_amount,
        sum(invoiced_net_amount) as invoiced_amount,
        sum(cost_amount) as order_cost
    from lines
    group by order_id
),

orders_dated as (
    select
        orders.*,
        coalesce(orders.account_id, {{ unknown_account_id() }}) as resolved_account_id,
        orders.account_id is null as is_unknown_account,
        {{ reporting_date('orders.ordered_at') }} as ordered_date,
        {{ reporting_date('orders.invoiced_at') }} as invoiced_date,
        case
            when orders.status = 'cancelled'
                then greatest(coalesce(orders.cancelled_at, orders.updated_at, orders.ordered_at), orders.ordered_at)
        end as cancellation_candidate_at,
        case
            when orders.status = 'refunded'
                then greatest(coalesce(orders.refunded_at, orders.updated_at, orders.invoiced_at), orders.invoiced_at)
        end as refund_candidate_at
    from orders
),

orders_flagged as (
    select
        orders_dated.*,
        coalesce(
            orders_dated.status = 'cancelled'
            and {{ is_on_or_before_as_of('orders_dated.cancellation_candidate_at') }},
            false
        ) as is_cancelled,
        coalesce(
            orders_dated.status in ('invoiced', 'paid', 'refunded')
            and orders_dated.invoiced_date <= {{ as_of_date() }},
            false
        ) as is_invoiced,
        coalesce(
            orders_dated.status = 'refunded'
            and orders_dated.invoiced_date <= {{ as_of_date() }}
            and {{ is_on_or_before_as_of('orders_dated.refund_candidate_at') }},
            false
        ) as is_refunded
    from orders_dated
    where orders_dated.ordered_date <= {{ as_of_date() }}
),

orders_attributed as (
    select
        orders_flagged.*,
        not orders_flagged.is_cancelled as is_booked,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(opportunities.opportunity_type, 'new_business') as opportunity_type,
        coalesce(
            order_reps.rep_id, opportunity_reps.rep_id, account_reps.rep_id, {{ unassigned_rep_id() }}
        ) as credited_rep_id,
        case
            when order_reps.rep_id is not null then 'order'
            when opportunity_reps.rep_id is not null then 'opportunity_owner'
            when account_reps.rep_id is not null then 'account_owner'
            else 'unassigned'
        end as credit_source,
        -- the account's booked orders numbered in time order (the unknown account has no customer orders)
        case
            when not orders_flagged.is_cancelled and not orders_flagged.is_unknown_account
                then row_number() over (
                    partition by
                        orders_flagged.resolved_account_id,
                        not orders_flagged.is_cancelled and not orders_flagged.is_unknown_account
                    order by orders_flagged.ordered_at, orders_flagged.order_id
                )
        end as customer_order_number
    from orders_flagged
    left join accounts
        on orders_flagged.account_id = accounts.account_id
    left join opportunities
        on orders_flagged.opportunity_id = opportunities.opportunity_id
    left join reps as order_reps
        on orders_flagged.rep_id = order_reps.rep_id
    left join reps as opportunity_reps
        on opportunities.owner_rep_id = opportunity_reps.rep_id
    left join reps as account_reps
        on accounts.owner_rep_id = account_reps.rep_id
),

final as (
    select
        -- ids
        orders_attributed.order_id,
        orders_attributed.resolved_account_id as account_id,
        orders_attributed.opportunity_id,
        orders_attributed.rep_id,
        orders_attributed.credited_rep_id,
        -- dimensions
        orders_attributed.credit_source,
        orders_attributed.segment,
        orders_attributed.opportunity_type,
        orders_attributed.status,
        orders_attributed.currency_code as original_currency_code,
        -- flags
        orders_attributed.is_booked,
        orders_attributed.is_cancelled,
        orders_attributed.is_invoiced,
        orders_attributed.is_refunded,
        coalesce(orders_attributed.customer_order_number = 1, false) as is_first_order,
        orders_attributed.is_unknown_account,
        orders_attributed.is_derived_from_opportunity,
        coalesce(line_totals.uncosted_line_count, 0) = 0 as is_cost_known,
        -- measures
        cast(orders_attributed.customer_order_number as integer) as customer_order_number,
        {{ money('line_totals.order_amount') }} as order_amount,
        {{ money('line_totals.invoiced_amount') }} as invoiced_amount,
        case
            when coalesce(line_totals.uncosted_line_count, 0) = 0 then {{ money('line_totals.order_cost') }}
        end as order_cost,
        cast(coalesce(line_totals.units, 0) as decimal(18, 4)) as units,
        {{ count_or_zero('line_totals.line_count') }} as line_count,
        '{{ reporting_currency() }}' as currency_code,
        -- time
        orders_attributed.ordered_at,
        case when orders_attributed.is_invoiced then orders_attributed.invoiced_at end as invoiced_at,
        case when orders_attributed.is_cancelled then orders_attributed.cancellation_candidate_at end as cancelled_at,
        case when orders_attributed.is_refunded then orders_attributed.refund_candidate_at end as refunded_at,
        orders_attributed.ordered_date,
        case when orders_attributed.is_invoiced then orders_attributed.invoiced_date end as invoiced_date,
        case
            when orders_attributed.is_cancelled
                then {{ reporting_date('orders_attributed.cancellation_candidate_at') }}
        end as cancelled_date,
        case
            when orders_attributed.is_refunded
                then {{ reporting_date('orders_attributed.refund_candidate_at') }}
        end as refunded_date,
        {{ month_start('orders_attributed.ordered_date') }} as ordered_month,
        case
            when orders_attributed.is_invoiced then {{ month_start('orders_attributed.invoiced_date') }}
        end as invoiced_month,
        case
            when orders_attributed.is_cancelled
                then {{ reporting_month('orders_attributed.cancellation_candidate_at') }}
        end as cancelled_month,
        case
            when orders_attributed.is_refunded
                then {{ reporting_month('orders_attributed.refund_candidate_at') }}
        end as refunded_month
    from orders_attributed
    left join line_totals
        on orders_attributed.order_id = line_totals.order_id
)

select * from final
