-- One row per landed Salesforce task row and per landed event row (deleted ones included, as
-- is_deleted = true), in the contract's activities shape. who_id is a lead when it is a landed lead's id,
-- or, matching no landed contact either, when it starts with a lead key prefix (var
-- salesforce_key_prefixes.lead: Salesforce's 00Q, and the bundled sample's LEAD-); else a contact. what_id
-- is an opportunity when it is a landed opportunity's id or starts with an opportunity key prefix (006).
-- Events last duration_in_minutes * 60 seconds. Two objects feed this table, so var salesforce_column_map
-- does not apply to it (docs/crm_salesforce.md).
{%- set picklists = salesforce_picklists() %}
with

landed_tasks as (
    select * from {{ crm_landed('salesforce', 'task') }}
),

landed_events as (
    select * from {{ crm_landed('salesforce', 'event') }}
),

lead_ids as (
    select distinct {{ crm_text('landed_leads.id') }} as id
    from {{ crm_landed('salesforce', 'lead') }} as landed_leads
),

contact_ids as (
    select distinct {{ crm_text('landed_contacts.id') }} as id
    from {{ crm_landed('salesforce', 'contact') }} as landed_contacts
),

opportunity_ids as (
    select distinct {{ crm_text('landed_opportunities.id') }} as id
    from {{ crm_landed('salesforce', 'opportunity') }} as landed_opportunities
),

tasks as (
    select
        id as activity_id,
        {{ salesforce_picklist('task_subtype', picklists.task_subtype) }} as activity_type,
        {{ salesforce_picklist('call_type', picklists.direction) }} as direction,
        owner_id as rep_id,
        who_id,
        what_id,
        account_id,
        completed_date_time as occurred_at,
        cast(call_duration_in_seconds as {{ dbt.type_string() }}) as duration_seconds,
        call_disposition as outcome,
        {{ salesforce_is_deleted() }} as is_deleted,
        'task' as activity_object,
        subject,
        _fivetran_synced
    from landed_tasks
),

events as (
    select
        id as activity_id,
        {{ salesforce_picklist('type', picklists.event_type) }} as activity_type,
        {{ salesforce_picklist('direction_c', picklists.direction) }} as direction,
        owner_id as rep_id,
        who_id,
        what_id,
        account_id,
        start_date_time as occurred_at,
        -- minutes to seconds; text that is not a number passes through for staging to quarantine
        coalesce(
            cast(
                cast({{ dbt.safe_cast(crm_text('duration_in_minutes'), 'decimal(18, 2)') }} * 60 as integer)
                as {{ dbt.type_string() }}
            ),
            cast(duration_in_minutes as {{ dbt.type_string() }})
        ) as duration_seconds,
        outcome_c as outcome,
        {{ salesforce_is_deleted() }} as is_deleted,
        'event' as activity_object,
        subject,
        _fivetran_synced
    from landed_events
),

activities as (
    select * from tasks
    union all
    select * from events
),

activities_linked as (
    select
        activities.*,
        lead_ids.id is not null
        or (contact_ids.id is null and {{ salesforce_has_key_prefix('activities.who_id', 'lead', ['00Q', 'LEAD-']) }})
            as is_who_lead,
        opportunity_ids.id is not null
        or {{ salesforce_has_key_prefix('activities.what_id', 'opportunity', ['006', 'OPP-']) }} as is_what_opportunity
    from activities
    left join lead_ids
        on {{ crm_text('activities.who_id') }} = lead_ids.id
    left join contact_ids
        on {{ crm_text('activities.who_id') }} = contact_ids.id
    left join opportunity_ids
        on {{ crm_text('activities.what_id') }} = opportunity_ids.id
),

final as (
    select
        activities.activity_id,
        activities.activity_type,
        activities.direction,
        activities.rep_id,
        case when activities.is_who_lead then activities.who_id end as lead_id,
        case when not activities.is_who_lead then activities.who_id end as contact_id,
        activities.account_id,
        case when activities.is_what_opportunity then activities.what_id end as opportunity_id,
        activities.occurred_at,
        activities.duration_seconds,
        activities.outcome,
        activities.is_deleted,
        {{ salesforce_source_relation() }} as source_relation,
        activities.activity_object as sf_object,
        activities.subject as sf_subject,
        activities._fivetran_synced
    from activities_linked as activities
)

select * from final
