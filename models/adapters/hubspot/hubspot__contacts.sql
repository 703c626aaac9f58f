-- One row per landed HubSpot contact row whose lifecycle stage is not a lead stage (var
-- hubspot_lead_lifecycle_stages; an empty stage counts as a contact): the contacts. The other rows are
-- hubspot__leads; together they hold every landed contact row once.
with

contacts as (
    select landed_rows.* from {{ crm_landed('hubspot', 'contact') }} as landed_rows
),

final as (
    select
        {{ hubspot_field('contacts', 'contact_id', 'id', 'contacts') }} as contact_id,
        {{ hubspot_field('contacts', 'account_id', 'property_associatedcompanyid', 'contacts') }} as account_id,
        {{ hubspot_field('contacts', 'first_name', 'property_firstname', 'contacts') }} as first_name,
        {{ hubspot_field('contacts', 'last_name', 'property_lastname', 'contacts') }} as last_name,
        {{ hubspot_field('contacts', 'email', 'property_email', 'contacts') }} as email,
        {{ hubspot_field('contacts', 'phone', 'property_phone', 'contacts') }} as phone,
        {{ hubspot_field('contacts', 'job_title', 'property_jobtitle', 'contacts') }} as job_title,
        {{ hubspot_field('contacts', 'created_at', 'property_createdate', 'contacts') }} as created_at,
        {{ hubspot_field('contacts', 'updated_at', 'property_lastmodifieddate', 'contacts') }} as updated_at,
        {{ hubspot_is_deleted('contacts') }} as is_deleted,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('contact', 'contacts', 'contacts') }}  -- noqa: LT02
    from contacts
    where not {{ hubspot_is_lead_stage('contacts.property_lifecyclestage') }}
)

select * from final
