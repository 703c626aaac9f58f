-- One row per landed Salesforce account row (deleted ones included, as is_deleted = true), in the
-- contract's accounts shape.
{%- set t = 'accounts' %}
with

landed_accounts as (
    select * from {{ crm_landed('salesforce', 'account') }}
),

final as (
    select
        {{ salesforce_column(t, 'account_id', 'id') }} as account_id,
        {{ salesforce_column(t, 'account_name', 'name') }} as account_name,
        {{ salesforce_column(t, 'industry', 'industry') }} as industry,
        {{ salesforce_column(t, 'segment', 'segment_c') }} as segment,
        {{ salesforce_column(t, 'region', 'region_c') }} as region,
        {{ salesforce_column(t, 'city', 'billing_city') }} as city,
        {{ salesforce_column(t, 'country_code', 'billing_country_code') }} as country_code,
        {{ salesforce_column(t, 'owner_rep_id', 'owner_id') }} as owner_rep_id,
        {{ salesforce_column(t, 'created_at', 'created_date') }} as created_at,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_column(t, 'is_deleted', salesforce_is_deleted()) }} as is_deleted,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        _fivetran_synced
    from landed_accounts
)

select * from final
