-- One row per sent month (reporting time zone) x sending rep, rep_id NULL for marketing (campaign) emails,
-- from the first month with an email to the as-of month: emails sent, delivered, bounced, unique opens and
-- clicks, and open / click rates over delivered emails. Every month an emailing rep was employed appears
-- (zeros without emails), as does every month for marketing emails once they have started. Delivery is
-- counted per sender stream (fct_email_messages, D33): a rep whose tool reports no delivered events has
-- emails_delivered = sent minus bounced, whatever other streams report. Sales emails of a rep who is not a
-- kept rep are the unassigned rep's row (D30).
with

email_messages as (
    select * from {{ ref('fct_email_messages') }}
),

marketing_emails as (
    select * from email_messages
    where not is_sales_email
),

marketing_months as (
    {{ kpi_months('marketing_emails', 'sent_month') }}
),

monthly_engagement as (
    select
        sent_month as month_start,
        sender_rep_id as rep_id,
        count(case when is_sent then 1 end) as emails_sent,
        count(case when is_delivered then 1 end) as emails_delivered,
        count(case when is_bounced then 1 end) as emails_bounced,
        count(case when is_opened then 1 end) as unique_opens,
        count(case when is_clicked then 1 end) as unique_clicks,
        count(case when is_unsubscribed then 1 end) as unsubscribes,
        sum(open_events) as total_opens,
        sum(click_events) as total_clicks
    from email_messages
    group by sent_month, sender_rep_id
),

-- who sent in which month, plus a marketing row (rep NULL) for every month once marketing emails started
sender_activity as (
    select
        month_start,
        rep_id
    from monthly_engagement

    union

    select
        marketing_months.month_start,
        cast(null as {{ dbt.type_string() }}) as rep_id
    from marketing_months
),

rep_month_rows as (
    {{ rep_month_spine('sender_activity', only_active_reps=true) }}
),

engagement_spined as (
    select
        rep_month_rows.month_start,
        rep_month_rows.rep_id,
        rep_month_rows.is_complete_month,
        rep_month_rows.rep_name,
        rep_month_rows.team,
        rep_month_rows.is_employed_in_month,
        {{ count_or_zero('monthly_engagement.emails_sent') }} as emails_sent,
        {{ count_or_zero('monthly_engagement.emails_delivered') }} as emails_delivered,
        {{ count_or_zero('monthly_engagement.emails_bounced') }} as emails_bounced,
        {{ count_or_zero('monthly_engagement.unique_opens') }} as unique_opens,
        {{ count_or_zero('monthly_engagement.unique_clicks') }} as unique_clicks,
        {{ count_or_zero('monthly_engagement.unsubscribes') }} as unsubscribes,
        {{ count_or_zero('monthly_engagement.total_opens') }} as total_opens,
        {{ count_or_zero('monthly_engagement.total_clicks') }} as total_clicks
    from rep_month_rows
    left join monthly_engagement
        on
            rep_month_rows.month_start = monthly_engagement.month_start
            -- null-safe equality (the NULL rep is the unassigned / marketing row): an equality join, where
            -- `a = b or (a is null and b is null)` made DuckDB compare every pair (10 x slower at SF1)
            and rep_month_rows.rep_id is not distinct from monthly_engagement.rep_id
),

final as (
    select
        month_start,
        rep_id,
        rep_name,
        team,
        is_complete_month,
        rep_id is not null as is_sales_email,
        is_employed_in_month,
        emails_sent,
        emails_delivered,
        emails_bounced,
        unique_opens,
        unique_clicks,
        unsubscribes,
        total_opens,
        total_clicks,
        {{ safe_divide('emails_delivered', 'emails_sent') }} as delivery_rate,
        {{ safe_divide('emails_bounced', 'emails_sent') }} as bounce_rate,
        {{ safe_divide('unique_opens', 'emails_delivered') }} as open_rate,
        {{ safe_divide('unique_clicks', 'emails_delivered') }} as click_rate
    from engagement_spined
)

select * from final
