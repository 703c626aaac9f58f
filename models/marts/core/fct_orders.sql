-- One row per order (staged, plus orders derived from won opportunities when that fallback is on) that
-- was ordered on or before the as-of date, with the business flags every revenue and bookings KPI filters
-- on, its value from its lines, and its dates in the reporting time zone. Flags are as of the as-of date:
-- an invoice or refund dated after it does not count yet.
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
),

line_totals as (
    select
        order_id,
        count(*) as line_count,
        sum(case when is_cost_known then 0 else 1 end) as uncosted_line_count,
        sum(quantity) as units,
        sum(net_amount) as order_amount,
        sum(cost_amount) as order_cost
    from lines
    group by order_id
),

orders_dated as (
    select
        orders.*,
        {{ reporting_date('orders.ordered_at') }} as ordered_date,
        {{ reporting_date('orders.invoiced_at') }} as invoiced_date,
        -- the contract has no refund date: a refunded order's last change is its refund, never before
        -- its invoice; without a change time it is reversed at its invoice (net zero, i.e. excluded)
        case
            when orders.status = 'refunded'
                then
                    case
                        when orders.updated_at is null or orders.updated_at < orders.invoiced_at
                            then orders.invoiced_at
                        else orders.updated_at
                    end
        end as refund_candidate_at
    from orders
),

orders_flagged as (
    select
        orders_dated.*,
        orders_dated.status <> 'cancelled' as is_booked,
        orders_dated.status = 'cancelled' as is_cancelled,
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
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(opportunities.opportunity_type, 'new_business') as opportunity_type,
        coalesce(order_reps.rep_id, opportunity_reps.rep_id, account_reps.rep_id) as credited_rep_id,
        case
            when orders_flagged.is_booked
                then row_number() over (
                    partition by orders_flagged.account_id, orders_flagged.is_booked
                    order by orders_flagged.ordered_at, orders_flagged.order_id
                ) = 1
            else false
        end as is_first_order
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
        orders_attributed.order_id,
        orders_attributed.account_id,
        orders_attributed.opportunity_id,
        orders_attributed.rep_id,
        orders_attributed.credited_rep_id,
        orders_attributed.segment,
        orders_attributed.opportunity_type,
        orders_attributed.status,
        orders_attributed.currency_code as original_currency_code,
        orders_attributed.is_booked,
        orders_attributed.is_cancelled,
        orders_attributed.is_invoiced,
        orders_attributed.is_refunded,
        orders_attributed.is_first_order,
        orders_attributed.is_derived_from_opportunity,
        coalesce(line_totals.uncosted_line_count, 0) = 0 as is_cost_known,
        {{ money('line_totals.order_amount') }} as order_amount,
        case
            when coalesce(line_totals.uncosted_line_count, 0) = 0 then {{ money('line_totals.order_cost') }}
        end as order_cost,
        cast(coalesce(line_totals.units, 0) as decimal(18, 4)) as units,
        {{ count_or_zero('line_totals.line_count') }} as line_count,
        '{{ reporting_currency() }}' as currency_code,
        orders_attributed.ordered_at,
        case when orders_attributed.is_invoiced then orders_attributed.invoiced_at end as invoiced_at,
        case when orders_attributed.is_refunded then orders_attributed.refund_candidate_at end as refunded_at,
        orders_attributed.ordered_date,
        case when orders_attributed.is_invoiced then orders_attributed.invoiced_date end as invoiced_date,
        case
            when orders_attributed.is_refunded
                then {{ reporting_date('orders_attributed.refund_candidate_at') }}
        end as refunded_date,
        {{ month_start('orders_attributed.ordered_date') }} as ordered_month,
        case
            when orders_attributed.is_invoiced then {{ month_start('orders_attributed.invoiced_date') }}
        end as invoiced_month,
        case
            when orders_attributed.is_refunded
                then {{ reporting_month('orders_attributed.refund_candidate_at') }}
        end as refunded_month
    from orders_attributed
    left join line_totals
        on orders_attributed.order_id = line_totals.order_id
)

select * from final
