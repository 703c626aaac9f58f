-- Every raw email_events row, typed and classified (kept / superseded / quarantined).
-- Incremental on DuckDB (D119): a night reads only the keys an --append load brought, see crm_typed_rows.
{{ config(**crm_incremental_config('event_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'email_events',
        lower=['event_type'],
        required=['email_id', 'event_type', 'occurred_at'],
        incremental=true,
    ) }}
),

final as (
    select
        typed_rows.*,
        {{ crm_disposition([
            {'when': "event_type not in ('sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed')",
             'reason': 'unknown_label', 'detail': 'event_type'},
            crm_future_rule(['occurred_at']),
        ], soft_delete=false) }}
    from typed_rows
)

select * from final
