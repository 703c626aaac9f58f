-- One row per staged marketing spend row (day x channel label x campaign), with its channel mapped like
-- lead sources and its amount in the reporting currency. Spend after the as-of date does not count.
with

spend as (
    select * from {{ ref('stg_crm__marketing_spend') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            "cast(spend_date as " ~ dbt.type_string() ~ ")",
            "'|'",
            "coalesce(channel_label, '')",
            "'|'",
            "coalesce(campaign_id, '')",
        ])) }} as marketing_spend_id,
        campaign_id,
        channel,
        channel_group,
        channel_label,
        is_channel_mapped,
        cast(amount_reporting as decimal(18, 2)) as amount,
        '{{ reporting_currency() }}' as currency_code,
        cast(amount as decimal(18, 2)) as original_amount,
        currency_code as original_currency_code,
        spend_date,
        {{ month_start('spend_date') }} as spend_month
    from spend
    where spend_date <= {{ as_of_date() }}
)

select * from final
