-- One row per landed Salesforce contact row (deleted ones included, as is_deleted = true), in the
-- contract's contacts shape.
{%- set t = 'contacts' %}
with

landed_contacts as (
    select * from {{ crm_landed('salesforce', 'contact') }}
),

final as (
    select
        {{ salesforce_column(t, 'contact_id', 'id') }} as contact_id,
        {{ salesforce_column(t, 'account_id', 'account_id') }} as account_id,
        {{ salesforce_column(t, 'first_name', 'first_name') }} as first_name,
        {{ salesforce_column(t, 'last_name', 'last_name') }} as last_name,
        {{ salesforce_column(t, 'email', 'email') }} as email,
        {{ salesforce_column(t, 'phone', 'phone') }} as phone,
        {{ salesforce_column(t, 'job_title', 'title') }} as job_title,
        {{ salesforce_column(t, 'created_at', 'created_date') }} as created_at,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_column(t, 'is_deleted', salesforce_is_deleted()) }} as is_deleted,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        _fivetran_synced
    from landed_contacts
)

select * from final
