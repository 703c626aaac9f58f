-- One row per landed HubSpot deal row: the opportunities. The stage is the label of the deal's internal
-- stage id in deal_pipeline_stage (the raw id when the stage is not found), mapped onto the standard
-- stages by seeds/stage_mapping.csv in staging like any raw label. The account is the deal's associated
-- company, the originating lead its associated contact that is a lead (the smallest id when several; an
-- associated id is a lead unless the landed contacts hold it only with a non-lead lifecycle stage).
-- HubSpot's stage probability travels as the extra column hubspot_stage_probability (0-1); the contract's
-- probability comes from the stage label through the seed, as for every source (docs/crm_hubspot.md).
with

deals as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal') }} as landed_rows
),

pipeline_stages as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_pipeline_stage') }} as landed_rows
),

deal_companies as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_company') }} as landed_rows
),

deal_contacts as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_contact') }} as landed_rows
),

contacts as (
    select landed_rows.* from {{ crm_landed('hubspot', 'contact') }} as landed_rows
),

-- one row per stage id: the latest synced, not deleted version
stages as (
    select
        stage_id,
        label,
        probability
    from (
        select
            pipeline_stages.*,
            row_number() over (
                partition by pipeline_stages.stage_id
                order by pipeline_stages._fivetran_synced desc nulls last, pipeline_stages.label asc
            ) as version_rank
        from pipeline_stages
        where not {{ hubspot_is_true('pipeline_stages._fivetran_deleted') }}
    ) as ranked_stages
    where version_rank = 1
),

deal_accounts as (
    select
        deal_id,
        min(company_id) as company_id
    from deal_companies
    group by deal_id
),

-- contact ids landed only with a non-lead lifecycle stage: every other associated id is a lead (an id
-- missing from the landed contacts stays a lead id, which staging then flags as not found)
contact_only_ids as (
    select contacts.id as contact_id
    from contacts
    group by contacts.id
    having not max(case when {{ hubspot_is_lead_stage('contacts.property_lifecyclestage') }} then 1 else 0 end) = 1
),

deal_leads as (
    select
        deal_contacts.deal_id,
        min(deal_contacts.contact_id) as lead_id
    from deal_contacts
    left join contact_only_ids
        on deal_contacts.contact_id = contact_only_ids.contact_id
    where contact_only_ids.contact_id is null
    group by deal_contacts.deal_id
),

final as (
    select
        {{ hubspot_field('opportunities', 'opportunity_id', 'deal_id', 'deals') }} as opportunity_id,
        {{ hubspot_field('opportunities', 'account_id', 'deal_accounts.company_id', 'deals') }} as account_id,
        {{ hubspot_field('opportunities', 'owner_rep_id', 'owner_id', 'deals') }} as owner_rep_id,
        {{ hubspot_field('opportunities', 'lead_id', 'deal_leads.lead_id', 'deals') }} as lead_id,
        {{ hubspot_field('opportunities', 'opportunity_name', 'property_dealname', 'deals') }} as opportunity_name,
        case {{ hubspot_field('opportunities', 'opportunity_type', 'property_dealtype', 'deals') }}
            when 'newbusiness' then 'new_business'
            when 'existingbusiness' then 'upsell'
            else {{ hubspot_field('opportunities', 'opportunity_type', 'property_dealtype', 'deals') }}
        end as opportunity_type,
        {{ hubspot_field(
            'opportunities', 'stage_name', 'coalesce(stages.label, deals.deal_pipeline_stage_id)', 'deals'
        ) }} as stage_name,
        {{ hubspot_field('opportunities', 'amount', 'property_amount', 'deals') }} as amount,
        {{ hubspot_field('opportunities', 'currency_code', 'property_deal_currency_code', 'deals') }}
            as currency_code,
        {{ hubspot_field('opportunities', 'created_at', 'property_createdate', 'deals') }} as created_at,
        {{ hubspot_field('opportunities', 'expected_close_date', 'property_expected_close_date', 'deals') }}
            as expected_close_date,
        {{ hubspot_field('opportunities', 'closed_at', 'property_closedate', 'deals') }} as closed_at,
        {{ hubspot_field('opportunities', 'is_closed', 'property_hs_is_closed', 'deals') }} as is_closed,
        {{ hubspot_field('opportunities', 'is_won', 'property_hs_is_closed_won', 'deals') }} as is_won,
        {{ hubspot_field('opportunities', 'loss_reason', 'property_closed_lost_reason', 'deals') }} as loss_reason,
        {{ hubspot_field('opportunities', 'updated_at', 'property_hs_lastmodifieddate', 'deals') }} as updated_at,
        {{ hubspot_is_deleted('deals') }} as is_deleted,
        {{ hubspot_source_relation() }} as source_relation,
        stages.probability as hubspot_stage_probability
        {{ hubspot_extra_columns('deal', 'deals', 'opportunities') }}  -- noqa: LT02
    from deals
    left join stages
        on deals.deal_pipeline_stage_id = stages.stage_id
    left join deal_accounts
        on deals.deal_id = deal_accounts.deal_id
    left join deal_leads
        on deals.deal_id = deal_leads.deal_id
)

select * from final
