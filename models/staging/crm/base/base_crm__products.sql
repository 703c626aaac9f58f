-- Every raw products row, typed and classified. A price list is a current attribute, not a transaction:
-- prices and costs convert at the rate of the as-of date, or at the currency's first rate when the as-of
-- date precedes every rate of that currency.
with

typed_rows as (
    {{ crm_typed_rows(
        'products',
        lower=['category'],
        upper=['currency_code'],
        collapse=['product_name'],
    ) }}
),

rates_ranked as (
    select
        currency_code,
        rate_to_reporting,
        row_number() over (partition by currency_code order by valid_from) as rate_rank
    from {{ ref('stg_crm__currency_rates') }}
),

first_rates as (
    select
        currency_code,
        rate_to_reporting
    from rates_ranked
    where rate_rank = 1
),

enriched as (
    select
        typed_rows.*,
        coalesce(
            {{ crm_rate_to_reporting('typed_rows.currency_code') }},
            first_rates.rate_to_reporting
        ) as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', as_of_date()) }}
    left join first_rates on typed_rows.currency_code = first_rates.currency_code
),

final as (
    select
        enriched.*,
        {{ crm_disposition([crm_negative_rule(['list_price', 'unit_cost'])]
            + crm_currency_rules(['list_price', 'unit_cost']), soft_delete=false) }}
    from enriched
)

select * from final
