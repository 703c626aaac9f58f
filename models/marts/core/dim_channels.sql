-- One row per standard acquisition channel (the targets of the channel_mapping seed), plus
-- 'unattributed' for customers whose first won deal did not come from a lead.
with

mapped_channels as (
    select distinct
        channel,
        channel_group
    from {{ ref('channel_mapping') }}
),

final as (
    select
        channel,
        channel_group,
        false as is_unattributed
    from mapped_channels

    union all

    select
        'unattributed' as channel,
        'unattributed' as channel_group,
        true as is_unattributed
)

select * from final
