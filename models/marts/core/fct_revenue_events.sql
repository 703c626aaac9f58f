-- One row per order line per revenue event: the line's invoice (+) in its invoiced month and, for a
-- refunded order, the reversal (-) of the same line in its refund month. Revenue, cost and units are
-- signed, so summing any slice of this fact gives net revenue; cost and gross profit are NULL where the
-- line's cost is unknown. Revenue and cost are converted at the invoice date's rate; a refund reverses
-- exactly what was invoiced (same rate), so an invoice and its refund net to zero.
with

lines as (
    select * from {{ ref('fct_order_lines') }}
),

invoice_events as (
    select
        order_line_id || ':invoice' as revenue_event_id,
        order_line_id,
        order_id,
        account_id,
        credited_rep_id,
        product_id,
        category,
        segment,
        'invoice' as event_type,
        1 as sign,
        is_cost_known,
        is_derived_from_opportunity,
        is_unknown_account,
        invoiced_net_amount as revenue,
        cost_amount as cost,  -- noqa: RF04
        quantity as units,
        invoiced_at as event_at,
        invoiced_month as event_month
    from lines
    where is_invoiced
),

refund_events as (
    select
        order_line_id || ':refund' as revenue_event_id,
        order_line_id,
        order_id,
        account_id,
        credited_rep_id,
        product_id,
        category,
        segment,
        'refund' as event_type,
        -1 as sign,
        is_cost_known,
        is_derived_from_opportunity,
        is_unknown_account,
        -invoiced_net_amount as revenue,
        -cost_amount as cost,  -- noqa: RF04
        -quantity as units,
        refunded_at as event_at,
        refunded_month as event_month
    from lines
    where is_refunded
),

all_events as (
    select * from invoice_events
    union all
    select * from refund_events
),

final as (
    select
        revenue_event_id,
        order_line_id,
        order_id,
        account_id,
        credited_rep_id,
        product_id,
        category,
        segment,
        event_type,
        cast(sign as integer) as sign,
        is_cost_known,
        is_derived_from_opportunity,
        is_unknown_account,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(cost as decimal(18, 2)) as cost,  -- noqa: RF04
        cast(revenue - cost as decimal(18, 2)) as gross_profit,
        cast(units as decimal(18, 4)) as units,
        '{{ reporting_currency() }}' as currency_code,
        event_at,
        {{ reporting_date('event_at') }} as event_date,
        event_month
    from all_events
)

select * from final
