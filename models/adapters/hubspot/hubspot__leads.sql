-- One row per landed HubSpot contact row whose lifecycle stage is a lead stage (var
-- hubspot_lead_lifecycle_stages: subscriber, lead, marketingqualifiedlead, salesqualifiedlead): the leads.
-- HubSpot lead statuses are mapped to the contract's; any other status text is passed on for staging.
with

contacts as (
    select landed_rows.* from {{ crm_landed('hubspot', 'contact') }} as landed_rows
),

final as (
    select
        {{ hubspot_field('leads', 'lead_id', 'id', 'contacts') }} as lead_id,
        {{ hubspot_field('leads', 'created_at', 'property_createdate', 'contacts') }} as created_at,
        {{ hubspot_field('leads', 'lead_source', 'property_hs_analytics_source', 'contacts') }} as lead_source,
        {{ hubspot_field('leads', 'owner_rep_id', 'property_hubspot_owner_id', 'contacts') }} as owner_rep_id,
        case {{ hubspot_field('leads', 'status', 'property_hs_lead_status', 'contacts') }}
            when 'NEW' then 'new'
            when 'OPEN' then 'working'
            when 'IN_PROGRESS' then 'working'
            when 'ATTEMPTED_TO_CONTACT' then 'working'
            when 'CONNECTED' then 'working'
            when 'BAD_TIMING' then 'nurturing'
            when 'UNQUALIFIED' then 'unqualified'
            when 'OPEN_DEAL' then 'converted'
            else {{ hubspot_field('leads', 'status', 'property_hs_lead_status', 'contacts') }}
        end as status,
        {{ hubspot_field('leads', 'company_name', 'property_company', 'contacts') }} as company_name,
        {{ hubspot_field('leads', 'email', 'property_email', 'contacts') }} as email,
        {{ hubspot_field('leads', 'country_code', 'property_country', 'contacts') }} as country_code,
        {{ hubspot_field('leads', 'converted_at', 'property_hs_lifecyclestage_opportunity_date', 'contacts') }}
            as converted_at,
        {{ hubspot_field('leads', 'converted_account_id', 'property_associatedcompanyid', 'contacts') }}
            as converted_account_id,
        {{ hubspot_field('leads', 'converted_contact_id', 'property_converted_contact_id', 'contacts') }}
            as converted_contact_id,
        {{ hubspot_field('leads', 'converted_opportunity_id', 'property_converted_deal_id', 'contacts') }}
            as converted_opportunity_id,
        {{ hubspot_field('leads', 'updated_at', 'property_lastmodifieddate', 'contacts') }} as updated_at,
        {{ hubspot_is_deleted('contacts') }} as is_deleted,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('contact', 'contacts', 'leads') }}  -- noqa: LT02
    from contacts
    where {{ hubspot_is_lead_stage('contacts.property_lifecyclestage') }}
)

select * from final
