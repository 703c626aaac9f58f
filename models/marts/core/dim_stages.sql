-- One row per standard opportunity stage, in funnel order, with its closed / won flags and the win
-- probability used for weighted pipeline when a deal's own stage label carries none.
with

mapped_stages as (
    select
        standard_stage as stage,
        min(stage_order) as stage_order,
        bool_and(is_closed) as is_closed,
        bool_and(is_won) as is_won,
        avg(default_probability) as mean_label_probability
    from {{ ref('stage_mapping') }}
    group by standard_stage
),

all_stages as (
    select * from mapped_stages

    union all

    select
        'unmapped' as stage,
        cast(null as integer) as stage_order,
        false as is_closed,
        false as is_won,
        cast(null as {{ type_double() }}) as mean_label_probability
),

final as (
    select
        stage,
        stage_order,
        is_closed,
        is_won,
        not is_closed as is_open,
        {{ stage_probability('stage', 'mean_label_probability') }} as stage_probability
    from all_stages
)

select * from final
