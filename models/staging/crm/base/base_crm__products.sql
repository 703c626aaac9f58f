-- Every raw products row, typed and classified. A price list is a current attribute, not a transaction:
-- prices and costs convert at the rate of the as-of date.
with

typed_rows as (
    {{ crm_typed_rows(
        'products',
        lower=['category'],
        upper=['currency_code'],
        collapse=['product_name'],
    ) }}
),

enriched as (
    select
        typed_rows.*,
        {{ crm_rate_to_reporting('typed_rows.currency_code') }} as rate_to_reporting,
        {{ crm_currency_is_known('typed_rows.currency_code') }} as _currency_is_known
    from typed_rows
    {{ crm_join_rates('typed_rows.currency_code', as_of_date()) }}
),

final as (
    select
        enriched.*,
        {{ crm_disposition([crm_negative_rule(['list_price', 'unit_cost'])]
            + crm_currency_rules(['list_price', 'unit_cost']), soft_delete=false) }}
    from enriched
)

select * from final
