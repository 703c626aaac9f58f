-- Every raw marketing_spend row, typed and classified, with the channel label mapped like lead sources.
with

typed_rows as (
    {{ crm_typed_rows(
        'marketing_spend',
        upper=['currency_code'],
        collapse=['channel'],
        required=['amount', 'currency_code'],
    ) }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

enriched as (
    select
        typed_rows.*,
        coalesce(channel_mapping.channel, 'other') as mapped_channel,
        coalesce(channel_mapping.channel_group, 'inbound') as channel_group,
        channel_mapping.channel is not null as is_channel_mapped,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known
    from typed_rows
    left join channel_mapping
        on {{ normalize_label('typed_rows.channel') }} = {{ normalize_label('channel_mapping.source_label') }}
    {{ crm_join_rates('typed_rows.currency_code', 'typed_rows.spend_date') }}
),

final as (
    select
        enriched.*,
        {{ crm_disposition([crm_negative_rule(['amount'])] + crm_currency_rules(['amount']) + [
            crm_future_rule(['spend_date']),
        ], soft_delete=false) }}
    from enriched
)

select * from final
