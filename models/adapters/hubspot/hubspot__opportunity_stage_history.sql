-- One row per landed deal_stage row (Fivetran's deal stage history): the stage each deal entered, when,
-- and who changed it. The stage id becomes its label as in hubspot__opportunities. The amount is the deal's
-- amount in effect then: from deal_property_history (name = amount), the change recorded at that same
-- moment (same text, both empty included), else the latest change at or before it; NULL when none is landed.
with

stage_changes as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_stage') }} as landed_rows
),

pipeline_stages as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_pipeline_stage') }} as landed_rows
),

property_changes as (
    select landed_rows.* from {{ crm_landed('hubspot', 'deal_property_history') }} as landed_rows
),

stages as (
    select
        stage_id,
        label
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

amount_changes as (
    select
        deal_id,
        cast(value as {{ dbt.type_string() }}) as amount_text,
        cast(timestamp as {{ dbt.type_string() }}) as changed_text,
        {{ dbt.safe_cast('cast(timestamp as ' ~ dbt.type_string() ~ ')', dbt.type_timestamp()) }} as changed_at
    from property_changes
    where lower(name) = 'amount'
),

stage_moments as (
    select distinct
        deal_id,
        cast(date_entered as {{ dbt.type_string() }}) as entered_text,
        {{ dbt.safe_cast('cast(date_entered as ' ~ dbt.type_string() ~ ')', dbt.type_timestamp()) }} as entered_at
    from stage_changes
),

-- the amount at each (deal, moment): the same-moment change first, then the latest earlier one
amounts_at as (
    select
        deal_id,
        entered_text,
        amount_text
    from (
        select
            stage_moments.deal_id,
            stage_moments.entered_text,
            amount_changes.amount_text,
            row_number() over (
                partition by stage_moments.deal_id, stage_moments.entered_text
                order by
                    case
                        when coalesce(amount_changes.changed_text, '') = coalesce(stage_moments.entered_text, '')
                            then 0
                        else 1
                    end,
                    amount_changes.changed_at desc nulls last,
                    amount_changes.amount_text desc
            ) as change_rank
        from stage_moments
        inner join amount_changes
            on
                stage_moments.deal_id = amount_changes.deal_id
                and (
                    coalesce(stage_moments.entered_text, '') = coalesce(amount_changes.changed_text, '')
                    or stage_moments.entered_at >= amount_changes.changed_at
                )
    ) as ranked_amounts
    where change_rank = 1
),

final as (
    select
        stage_changes.deal_id as opportunity_id,
        stage_changes.date_entered as entered_at,
        coalesce(stages.label, stage_changes.value) as stage_name,
        amounts_at.amount_text as amount,
        stage_changes.source_id as changed_by_rep_id,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('deal_stage', 'stage_changes', 'opportunity_stage_history') }}  -- noqa: LT02
    from stage_changes
    left join stages
        on stage_changes.value = stages.stage_id
    left join amounts_at
        on
            stage_changes.deal_id = amounts_at.deal_id
            and coalesce(cast(stage_changes.date_entered as {{ dbt.type_string() }}), '')
            = coalesce(amounts_at.entered_text, '')
)

select * from final
