-- One row per day, channel label and campaign of marketing spend, converted to the reporting currency.
with

kept_spend as (
    select * from {{ ref('base_crm__marketing_spend') }}
    where _disposition = 'kept'
),

final as (
    select
        spend_date,
        campaign_id,
        channel as channel_label,
        mapped_channel as channel,
        channel_group,
        is_channel_mapped,
        amount,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('amount') }} as amount_reporting
        {{ crm_extra_columns_after('marketing_spend') }}  -- noqa: LT02
    from kept_spend
)

select * from final
