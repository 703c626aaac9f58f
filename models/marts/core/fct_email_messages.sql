-- One row per email message (email_id), folded from its tracking events: who sent it (rep for one-to-one
-- sales emails, NULL for marketing emails), to whom, when, and whether it was delivered, bounced, opened,
-- clicked or led to an unsubscribe.
-- Sent: a sent event, or any delivered / bounced / opened / clicked event (which proves it was sent).
-- Delivered: a delivered event, or an open or click (engagement proves delivery). Whether delivery is
-- tracked is decided per sender stream (D33): each rep's sales emails are one stream (sender_stream =
-- the rep_id), marketing emails (no rep) another ('(marketing)'). In a stream without any delivered event
-- (its sending tool does not report delivery), an email counts as delivered when it was sent and did not
-- bounce (is_delivery_inferred marks this fallback), even when other streams track delivery.
-- As of the as-of date: events after its end (reporting zone) have not happened yet, so an email first
-- sent after it does not exist and a later open or click does not count. Whether a stream tracks
-- delivery is a property of its sending tool, judged on all its events.
with

all_events as (
    select * from {{ ref('stg_crm__email_events') }}
),

events as (
    select * from all_events
    where {{ is_on_or_before_as_of('occurred_at') }}
),

reps as (
    select rep_id from {{ ref('dim_reps') }}
    where not is_unassigned
),

-- a message's stream: its sending rep, else marketing (rep_id is the same on all events of a sales email)
message_streams as (
    select
        email_id,
        coalesce(max(rep_id), '(marketing)') as sender_stream,
        count(case when event_type = 'delivered' then 1 end) as all_delivered_events
    from all_events
    group by email_id
),

delivery_tracking as (
    select
        sender_stream,
        sum(all_delivered_events) > 0 as stream_tracks_delivery
    from message_streams
    group by sender_stream
),

messages as (
    select
        email_id,
        max(rep_id) as rep_id,
        max(campaign_id) as campaign_id,
        max(lead_id) as lead_id,
        max(contact_id) as contact_id,
        min(case when event_type = 'sent' then occurred_at end) as first_sent_at,
        min(occurred_at) as first_event_at,
        min(case when event_type = 'opened' then occurred_at end) as first_opened_at,
        min(case when event_type = 'clicked' then occurred_at end) as first_clicked_at,
        count(case when event_type = 'sent' then 1 end) as sent_events,
        count(case when event_type = 'delivered' then 1 end) as delivered_events,
        count(case when event_type = 'bounced' then 1 end) as bounced_events,
        count(case when event_type = 'opened' then 1 end) as open_events,
        count(case when event_type = 'clicked' then 1 end) as click_events,
        count(case when event_type = 'unsubscribed' then 1 end) as unsubscribe_events
    from events
    group by email_id
),

messages_flagged as (
    select
        messages.*,
        coalesce(messages.first_sent_at, messages.first_event_at) as sent_at,
        messages.sent_events > 0 as has_sent_event,
        -- a delivery, bounce, open or click proves the email was sent even without a sent event
        messages.sent_events + messages.delivered_events + messages.bounced_events
        + messages.open_events + messages.click_events > 0 as is_sent,
        messages.bounced_events > 0 as is_bounced,
        messages.open_events > 0 as is_opened,
        messages.click_events > 0 as is_clicked,
        messages.unsubscribe_events > 0 as is_unsubscribed,
        message_streams.sender_stream,
        -- the sending rep as a kept rep; a sales email from a rep who is not one goes to the unassigned rep
        case
            when messages.rep_id is null then null
            else coalesce(reps.rep_id, {{ unassigned_rep_id() }})
        end as sender_rep_id,
        not delivery_tracking.stream_tracks_delivery as is_delivery_inferred,
        case
            when delivery_tracking.stream_tracks_delivery
                then messages.delivered_events > 0 or messages.open_events > 0 or messages.click_events > 0
            else
                (messages.sent_events + messages.delivered_events > 0 and messages.bounced_events = 0)
                or messages.open_events > 0
                or messages.click_events > 0
        end as is_delivered
    from messages
    inner join message_streams
        on messages.email_id = message_streams.email_id
    inner join delivery_tracking
        on message_streams.sender_stream = delivery_tracking.sender_stream
    left join reps
        on messages.rep_id = reps.rep_id
),

final as (
    select
        -- ids
        email_id,
        rep_id,
        sender_rep_id,
        campaign_id,
        lead_id,
        contact_id,
        -- dimensions
        sender_stream,
        -- flags
        rep_id is not null as is_sales_email,
        is_sent,
        has_sent_event,
        is_delivered,
        is_delivery_inferred,
        is_bounced,
        is_opened,
        is_clicked,
        is_unsubscribed,
        -- measures
        open_events,
        click_events,
        -- time
        sent_at,
        {{ reporting_date('sent_at') }} as sent_date,
        {{ reporting_month('sent_at') }} as sent_month,
        first_opened_at,
        first_clicked_at
    from messages_flagged
)

select * from final
