-- One row per raw stage or lead-source label that the mapping seeds do not know, with where it was
-- seen and how often. Extend seeds/stage_mapping.csv or seeds/channel_mapping.csv to map them.
with

unmapped as (
    select
        'stage' as label_type,
        'opportunities' as table_name,
        coalesce(stage_name, '(missing)') as raw_label
    from {{ ref('stg_crm__opportunities') }}
    where not is_stage_mapped

    union all

    select
        'stage' as label_type,
        'opportunity_stage_history' as table_name,
        stage_name as raw_label
    from {{ ref('stg_crm__opportunity_stage_history') }}
    where not is_stage_mapped

    union all

    select
        'channel' as label_type,
        'leads' as table_name,
        coalesce(lead_source, '(missing)') as raw_label
    from {{ ref('stg_crm__leads') }}
    where not is_channel_mapped

    union all

    select
        'channel' as label_type,
        'marketing_spend' as table_name,
        channel_label as raw_label
    from {{ ref('stg_crm__marketing_spend') }}
    where not is_channel_mapped
),

final as (
    select
        label_type,
        table_name,
        raw_label,
        count(*) as row_count
    from unmapped
    group by label_type, table_name, raw_label
)

select * from final
