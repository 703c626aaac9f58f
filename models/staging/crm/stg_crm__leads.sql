-- One row per lead: the current, valid, not deleted version, with its source mapped to a channel.
with

kept_leads as (
    select * from {{ ref('base_crm__leads') }}
    where _disposition = 'kept'
),

final as (
    select
        lead_id,
        owner_rep_id,
        converted_account_id,
        converted_contact_id,
        converted_opportunity_id,
        lead_source,
        channel,
        channel_group,
        is_channel_mapped,
        is_owner_unresolved,
        is_created_at_imputed,
        is_converted_before_created,
        status,
        company_name,
        email,
        country_code,
        resolved_created_at as created_at,
        converted_at,
        updated_at
        {{ crm_extra_columns_after('leads') }}  -- noqa: LT02
    from kept_leads
)

select * from final
