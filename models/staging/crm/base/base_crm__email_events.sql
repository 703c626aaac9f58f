-- Every raw email_events row, typed and classified (kept / superseded / quarantined).
with

typed_rows as (
    {{ crm_typed_rows(
        'email_events',
        lower=['event_type'],
        required=['email_id', 'event_type', 'occurred_at'],
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
