-- One row per email event (sent, delivered, opened, clicked, bounced, unsubscribed).
with

kept_events as (
    select * from {{ ref('base_crm__email_events') }}
    where _disposition = 'kept'
),

final as (
    select
        event_id,
        email_id,
        campaign_id,
        rep_id,
        lead_id,
        contact_id,
        event_type,
        occurred_at
        {{ crm_extra_columns_after('email_events') }}  -- noqa: LT02
    from kept_events
)

select * from final
