-- One row per landed HubSpot company row: the accounts (a deleted company is a row with is_deleted true).
with

companies as (
    select landed_rows.* from {{ crm_landed('hubspot', 'company') }} as landed_rows
),

final as (
    select
        {{ hubspot_field('accounts', 'account_id', 'id', 'companies') }} as account_id,
        {{ hubspot_field('accounts', 'account_name', 'property_name', 'companies') }} as account_name,
        {{ hubspot_field('accounts', 'industry', 'property_industry', 'companies') }} as industry,
        {{ hubspot_field('accounts', 'segment', 'property_segment', 'companies') }} as segment,
        {{ hubspot_field('accounts', 'region', 'property_state', 'companies') }} as region,
        {{ hubspot_field('accounts', 'city', 'property_city', 'companies') }} as city,
        {{ hubspot_field('accounts', 'country_code', 'property_country', 'companies') }} as country_code,
        {{ hubspot_field('accounts', 'owner_rep_id', 'property_hubspot_owner_id', 'companies') }} as owner_rep_id,
        {{ hubspot_field('accounts', 'created_at', 'property_createdate', 'companies') }} as created_at,
        {{ hubspot_field('accounts', 'updated_at', 'property_hs_lastmodifieddate', 'companies') }} as updated_at,
        {{ hubspot_is_deleted('companies') }} as is_deleted,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('company', 'companies', 'accounts') }}  -- noqa: LT02
    from companies
)

select * from final
