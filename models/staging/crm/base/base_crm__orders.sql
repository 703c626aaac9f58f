-- Every raw orders row, typed and classified, converted at the rate of the order date. An order is money:
-- one without an account, whose account or rep is not kept, or invoiced before it was ordered is kept and
-- flagged (the facts give it the unknown or inferred account and fall back for credit). A missing order
-- date falls back to the invoice (or the first time the extract saw the order, if earlier); an invoiced,
-- paid or refunded order without invoiced_at is invoiced at its last change (updated_at, never before the
-- order); both are flagged. Only an order with no date at all, or invoiced with no date, is quarantined.
{{ config(**crm_incremental_config('order_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'orders',
        lower=['status'],
        upper=['currency_code'],
        required=['status', 'currency_code'],
        incremental=true,
        depends_on=[
            {'table': 'accounts', 'column': 'account_id', 'found': '_account_found'},
            {'table': 'sales_reps', 'column': 'rep_id', 'found': '_rep_found'},
        ],
        reads_rates=true,
    ) }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

reps as (
    select rep_id from {{ ref('stg_crm__sales_reps') }}
),

dates_resolved as (
    select
        typed_rows.*,
        coalesce(typed_rows.ordered_at, least(typed_rows.invoiced_at, typed_rows._first_seen_at))
            as resolved_ordered_at
    from typed_rows
),

invoices_resolved as (
    select
        dates_resolved.*,
        case
            when dates_resolved.invoiced_at is not null then dates_resolved.invoiced_at
            when dates_resolved.status in ('invoiced', 'paid', 'refunded') and dates_resolved.updated_at is not null
                then greatest(dates_resolved.updated_at, dates_resolved.resolved_ordered_at)
        end as resolved_invoiced_at
    from dates_resolved
),

{% set rate_day = reporting_date('invoices_resolved.resolved_ordered_at') -%}
enriched as (
    select
        invoices_resolved.*,
        {{ crm_rate_to_reporting('invoices_resolved.currency_code') }} as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('invoices_resolved.currency_code') }} as _currency_is_known,
        accounts.account_id is not null as _account_found,
        reps.rep_id is not null as _rep_found
    from invoices_resolved
    {{ crm_join_rates('invoices_resolved.currency_code', rate_day) }}
    left join accounts on invoices_resolved.account_id = accounts.account_id
    left join reps on invoices_resolved.rep_id = reps.rep_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': "status not in ('booked', 'invoiced', 'paid', 'cancelled', 'refunded')",
             'reason': 'unknown_label', 'detail': 'status'},
            {'when': 'resolved_ordered_at is null', 'reason': 'missing_required_value', 'detail': "'ordered_at'"},
            {'when': "status in ('invoiced', 'paid', 'refunded') and resolved_invoiced_at is null",
             'reason': 'missing_required_value', 'detail': "'invoiced_at'"},
        ] + crm_currency_rules([]) + [
            crm_future_rule(['resolved_ordered_at', 'invoiced_at', 'cancelled_at', 'refunded_at']),
        ], soft_delete=false) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('orders') }}
    from dispositioned
)

select * from final
