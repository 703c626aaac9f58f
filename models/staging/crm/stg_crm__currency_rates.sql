-- One row per currency and rate day, with the interval [valid_from, valid_to) in which the rate applies.
with

kept_rates as (
    select * from {{ ref('base_crm__currency_rates') }}
    where _disposition = 'kept'
),

final as (
    select
        currency_code,
        rate_date,
        rate_to_reporting,
        rate_date as valid_from,
        coalesce(
            lead(rate_date) over (partition by currency_code order by rate_date),
            cast('9999-12-31' as date)
        ) as valid_to
        {{ crm_extra_columns_after('currency_rates') }}  -- noqa: LT02
    from kept_rates
)

select * from final
