-- One row per landed HubSpot engagement row: the activities (calls, meetings, e-mails, tasks; a meeting
-- whose hs_activity_type is Demo is a demo). Details come from the engagement's per-type table, the lead,
-- contact, account and deal from its associations (the smallest id of each kind when several); an
-- associated contact is the activity's contact when the landed contacts hold it only with a non-lead
-- lifecycle stage, else its lead.
with

engagements as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement') }} as landed_rows
),

call_rows as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_call') }} as landed_rows
),

meeting_rows as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_meeting') }} as landed_rows
),

email_rows as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_email') }} as landed_rows
),

task_rows as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_task') }} as landed_rows
),

contact_links as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_contact') }} as landed_rows
),

company_links as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_company') }} as landed_rows
),

deal_links as (
    select landed_rows.* from {{ crm_landed('hubspot', 'engagement_deal') }} as landed_rows
),

contacts as (
    select landed_rows.* from {{ crm_landed('hubspot', 'contact') }} as landed_rows
),

-- the per-type tables hold the current details: one row per engagement (the latest synced)
{%- set parsed = {
    'call': [dbt.safe_cast('cast(call_rows.property_hs_call_duration as ' ~ dbt.type_string() ~ ')', 'decimal(18, 3)')
             ~ ' as call_milliseconds'],
    'meeting': [
        dbt.safe_cast('cast(meeting_rows.property_hs_meeting_start_time as ' ~ dbt.type_string() ~ ')', dbt.type_timestamp())
        ~ ' as started_at',
        dbt.safe_cast('cast(meeting_rows.property_hs_meeting_end_time as ' ~ dbt.type_string() ~ ')', dbt.type_timestamp())
        ~ ' as ended_at',
    ],
} %}
{%- for name in ['call', 'meeting', 'email', 'task'] %}
{{ name }}s as (
    select *
    from (
        select
            {{ name }}_rows.*,
            {%- for expr in parsed.get(name, []) %}
            {{ expr }},
            {%- endfor %}
            row_number() over (
                partition by {{ name }}_rows.engagement_id
                order by {{ name }}_rows._fivetran_synced desc nulls last
            ) as version_rank
        from {{ name }}_rows
    ) as ranked_{{ name }}s
    where version_rank = 1
),
{%- endfor %}

-- contact ids landed only with a non-lead lifecycle stage: every other associated id is a lead (an id
-- missing from the landed contacts stays a lead id)
contact_only_ids as (
    select contacts.id as contact_id
    from contacts
    group by contacts.id
    having not max(case when {{ hubspot_is_lead_stage('contacts.property_lifecyclestage') }} then 1 else 0 end) = 1
),

people as (
    select
        contact_links.engagement_id,
        min(case when contact_only_ids.contact_id is null then contact_links.contact_id end) as lead_id,
        min(case when contact_only_ids.contact_id is not null then contact_links.contact_id end) as contact_id
    from contact_links
    left join contact_only_ids
        on contact_links.contact_id = contact_only_ids.contact_id
    group by contact_links.engagement_id
),

accounts as (
    select
        engagement_id,
        min(company_id) as account_id
    from company_links
    group by engagement_id
),

deals as (
    select
        engagement_id,
        min(deal_id) as opportunity_id
    from deal_links
    group by engagement_id
),

final as (
    select
        {{ hubspot_field('activities', 'activity_id', 'id', 'engagements') }} as activity_id,
        case
            when
                engagements.type = 'MEETING'
                and lower({{ trim_whitespace('meetings.property_hs_activity_type') }}) = 'demo'
                then 'demo'
            when engagements.type in ('CALL', 'EMAIL', 'MEETING', 'TASK') then lower(engagements.type)
            else engagements.type
        end as activity_type,
        case
            when calls.property_hs_call_direction = 'INBOUND' then 'inbound'
            when calls.property_hs_call_direction = 'OUTBOUND' then 'outbound'
            when calls.property_hs_call_direction is not null then calls.property_hs_call_direction
            when emails.property_hs_email_direction = 'INCOMING_EMAIL' then 'inbound'
            when emails.property_hs_email_direction in ('EMAIL', 'FORWARDED_EMAIL') then 'outbound'
            when emails.property_hs_email_direction is not null then emails.property_hs_email_direction
            -- HubSpot records no direction on meetings and tasks: the rep's own action
            when meetings.engagement_id is not null or tasks.engagement_id is not null then 'outbound'
        end as direction,
        {{ hubspot_field('activities', 'rep_id', 'owner_id', 'engagements') }} as rep_id,
        {{ hubspot_field('activities', 'lead_id', 'people.lead_id', 'engagements') }} as lead_id,
        {{ hubspot_field('activities', 'contact_id', 'people.contact_id', 'engagements') }} as contact_id,
        {{ hubspot_field('activities', 'account_id', 'accounts.account_id', 'engagements') }} as account_id,
        {{ hubspot_field('activities', 'opportunity_id', 'deals.opportunity_id', 'engagements') }}
            as opportunity_id,
        {{ hubspot_field('activities', 'occurred_at', 'timestamp', 'engagements') }} as occurred_at,
        -- calls: milliseconds -> whole seconds; meetings: end - start; text that does not parse is passed
        -- on as it is, so staging quarantines the row as it would the contract's
        case
            when calls.engagement_id is not null
                then coalesce(
                    cast(
                        cast(round(calls.call_milliseconds / 1000) as {{ dbt.type_int() }})
                        as {{ dbt.type_string() }}
                    ),
                    cast(calls.property_hs_call_duration as {{ dbt.type_string() }})
                )
            when meetings.engagement_id is not null
                then coalesce(
                    cast(
                        {{ dbt.datediff('meetings.started_at', 'meetings.ended_at', 'second') }}
                        as {{ dbt.type_string() }}
                    ),
                    cast(meetings.property_hs_meeting_end_time as {{ dbt.type_string() }})
                )
        end as duration_seconds,
        coalesce(
            calls.property_hs_call_disposition,
            meetings.property_hs_meeting_outcome,
            emails.property_hs_email_status,
            tasks.property_hs_task_status
        ) as outcome,
        {{ hubspot_is_deleted('engagements') }} as is_deleted,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('engagement', 'engagements', 'activities') }}  -- noqa: LT02
    from engagements
    left join calls on engagements.id = calls.engagement_id
    left join meetings on engagements.id = meetings.engagement_id
    left join emails on engagements.id = emails.engagement_id
    left join tasks on engagements.id = tasks.engagement_id
    left join people on engagements.id = people.engagement_id
    left join accounts on engagements.id = accounts.engagement_id
    left join deals on engagements.id = deals.engagement_id
)

select * from final
