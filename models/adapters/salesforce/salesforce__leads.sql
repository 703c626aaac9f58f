-- One row per landed Salesforce lead row (deleted ones included, as is_deleted = true), in the contract's
-- leads shape. The default lead statuses become contract statuses; other labels pass through.
{%- set t = 'leads' %}
with

landed_leads as (
    select * from {{ crm_landed('salesforce', 'lead') }}
),

final as (
    select
        {{ salesforce_column(t, 'lead_id', 'id') }} as lead_id,
        {{ salesforce_column(t, 'created_at', 'created_date') }} as created_at,
        {{ salesforce_column(t, 'lead_source', 'lead_source') }} as lead_source,
        {{ salesforce_column(t, 'owner_rep_id', 'owner_id') }} as owner_rep_id,
        {{ salesforce_column(t, 'status', salesforce_picklist('status', salesforce_picklists().lead_status)) }}
            as status,
        {{ salesforce_column(t, 'company_name', 'company') }} as company_name,
        {{ salesforce_column(t, 'email', 'email') }} as email,
        {{ salesforce_column(t, 'country_code', 'country_code') }} as country_code,
        {{ salesforce_column(t, 'converted_at', 'converted_date') }} as converted_at,
        {{ salesforce_column(t, 'converted_account_id', 'converted_account_id') }} as converted_account_id,
        {{ salesforce_column(t, 'converted_contact_id', 'converted_contact_id') }} as converted_contact_id,
        {{ salesforce_column(t, 'converted_opportunity_id', 'converted_opportunity_id') }}
            as converted_opportunity_id,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_column(t, 'is_deleted', salesforce_is_deleted()) }} as is_deleted,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        is_converted as sf_is_converted,
        _fivetran_synced
    from landed_leads
)

select * from final
