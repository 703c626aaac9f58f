-- One row per landed Salesforce dated_conversion_rate row, in the contract's currency_rates shape.
-- Salesforce's conversion_rate is units of iso_code per ONE unit of the corporate currency; the contract's
-- rate_to_reporting is reporting-currency units per one unit of currency_code. With the corporate currency
-- as the reporting currency (var salesforce_corporate_currency, default the reporting currency; the adapter
-- refuses anything else) rate_to_reporting = 1 / conversion_rate, rounded to 10 decimals (the division
-- runs in double precision; 10 decimals give back the exact rate for rates below 10^5). Example:
-- conversion_rate 0.0000625 (USD per IDR) gives 16,000 IDR per USD. A rate that does not read as a positive
-- number passes through as
-- text, and staging quarantines the row.
{%- set corporate = var('salesforce_corporate_currency', reporting_currency()) %}
{%- if corporate != reporting_currency() %}
    {{ exceptions.raise_compiler_error(
        "salesforce__currency_rates: the Salesforce corporate currency (var salesforce_corporate_currency = '"
        ~ corporate ~ "') must be the reporting currency ('" ~ reporting_currency()
        ~ "'): dated_conversion_rate is relative to the corporate currency. See docs/crm_salesforce.md."
    ) }}
{%- endif %}
with

landed_rates as (
    select
        landed_rows.*,
        {{ dbt.safe_cast(crm_text('landed_rows.conversion_rate'), 'decimal(38, 20)') }} as conversion_rate_number
    from {{ crm_landed('salesforce', 'dated_conversion_rate') }} as landed_rows
),

final as (
    select
        start_date as rate_date,
        iso_code as currency_code,
        case
            when conversion_rate_number > 0
                then cast(cast(1 / conversion_rate_number as decimal(38, 10)) as {{ dbt.type_string() }})
            else cast(conversion_rate as {{ dbt.type_string() }})
        end as rate_to_reporting,
        {{ salesforce_source_relation() }} as source_relation,
        id as sf_conversion_rate_id,
        next_start_date as sf_next_start_date,
        conversion_rate as sf_conversion_rate,
        {{ salesforce_is_true('_fivetran_deleted') }} as sf_is_deleted,
        _fivetran_synced
    from landed_rates
)

select * from final
