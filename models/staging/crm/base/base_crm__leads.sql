-- Every raw leads row, typed and classified (kept / superseded / soft_deleted / quarantined), with the
-- lead source mapped to a channel through the channel_mapping seed.
with

typed_rows as (
    {{ crm_typed_rows(
        'leads',
        lower=['status', 'email'],
        upper=['country_code'],
        collapse=['lead_source', 'company_name'],
        required=['created_at'],
    ) }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

reps as (
    select rep_id from {{ ref('stg_crm__sales_reps') }}
),

enriched as (
    select
        typed_rows.*,
        coalesce(channel_mapping.channel, 'other') as channel,
        coalesce(channel_mapping.channel_group, 'inbound') as channel_group,
        channel_mapping.channel is not null as is_channel_mapped,
        reps.rep_id is not null as _owner_found
    from typed_rows
    left join channel_mapping
        on {{ normalize_label('typed_rows.lead_source') }} = {{ normalize_label('channel_mapping.source_label') }}
    left join reps on typed_rows.owner_rep_id = reps.rep_id
),

final as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': 'converted_at < created_at', 'reason': 'close_before_create'},
            crm_future_rule(['created_at', 'converted_at']),
            crm_orphan_rule('owner_rep_id', '_owner_found'),
        ]) }}
    from enriched
)

select * from final
