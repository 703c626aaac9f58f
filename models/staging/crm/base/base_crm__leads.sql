-- Every raw leads row, typed and classified (kept / superseded / soft_deleted / quarantined), with the
-- lead source mapped to a channel through the channel_mapping seed. A lead without created_at is dated at
-- the first time the extract saw it (or its conversion, if earlier), flagged; only a lead with no date at
-- all is quarantined. An owner who is not a kept rep, and a conversion before creation, are flagged.
{{ config(**crm_incremental_config('lead_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'leads',
        lower=['status', 'email'],
        upper=['country_code'],
        collapse=['lead_source', 'company_name'],
        incremental=true,
        depends_on=[{'table': 'sales_reps', 'column': 'owner_rep_id', 'found': '_owner_found'}],
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
        coalesce(typed_rows.created_at, least(typed_rows._first_seen_at, typed_rows.converted_at))
            as resolved_created_at,
        coalesce(channel_mapping.channel, 'other') as channel,
        coalesce(channel_mapping.channel_group, 'inbound') as channel_group,
        channel_mapping.channel is not null as is_channel_mapped,
        reps.rep_id is not null as _owner_found
    from typed_rows
    left join channel_mapping
        on {{ normalize_label('typed_rows.lead_source') }} = {{ normalize_label('channel_mapping.source_label') }}
    left join reps on typed_rows.owner_rep_id = reps.rep_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': 'resolved_created_at is null', 'reason': 'missing_required_value', 'detail': "'created_at'"},
            crm_future_rule(['resolved_created_at', 'converted_at']),
        ]) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('leads') }}
    from dispositioned
)

select * from final
