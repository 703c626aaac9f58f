{#- Currency conversion in staging: the nearest currency_rates row on or before the transaction date.
    The reporting currency converts at 1 whether or not currency_rates lists it. -#}

{#- Joins that make `rates` (the applicable rate row) and `known_currencies` available. `date_expr` is the
    transaction's date in the reporting time zone: callers wrap UTC timestamps in reporting_date(). -#}
{% macro crm_join_rates(currency_expr, date_expr) -%}
    left join {{ ref('stg_crm__currency_rates') }} as rates
        on {{ currency_expr }} = rates.currency_code
        and cast({{ date_expr }} as date) >= rates.valid_from
        and cast({{ date_expr }} as date) < rates.valid_to
    {{ crm_join_known_currencies(currency_expr) }}
{%- endmacro %}

{#- The join that makes `known_currencies` available (the currencies with a kept rate): part of
    crm_join_rates, and alone where only crm_currency_is_known is needed (an incremental night, D134). -#}
{% macro crm_join_known_currencies(currency_expr) -%}
    left join (
        select distinct currency_code from {{ ref('stg_crm__currency_rates') }}
    ) as known_currencies
        on {{ currency_expr }} = known_currencies.currency_code
{%- endmacro %}

{#- The rate to the reporting currency, NULL when none applies (after crm_join_rates). -#}
{% macro crm_rate_to_reporting(currency_expr) -%}
    case
        when {{ currency_expr }} = '{{ reporting_currency() }}' then cast(1 as decimal(28, 12))
        else rates.rate_to_reporting
    end
{%- endmacro %}

{#- Whether the currency can be converted at all (after crm_join_rates). -#}
{% macro crm_currency_is_known(currency_expr) -%}
    ({{ currency_expr }} = '{{ reporting_currency() }}' or known_currencies.currency_code is not null)
{%- endmacro %}

{#- Quarantine rules for money rows, to use after the enriched CTE exposes `rate_to_reporting` and
    `_currency_is_known`. `amounts`: the money columns that need a currency when present. -#}
{% macro crm_currency_rules(amounts, currency='currency_code') -%}
    {%- set present = [] -%}
    {%- for a in amounts -%}{%- do present.append(a ~ ' is not null') -%}{%- endfor -%}
    {%- set rules = [] -%}
    {%- if present -%}
        {%- do rules.append({'when': '(' ~ present | join(' or ') ~ ') and ' ~ currency ~ ' is null',
                             'reason': 'missing_required_value', 'detail': "'" ~ currency ~ "'"}) -%}
    {%- endif -%}
    {%- do rules.append({'when': currency ~ ' is not null and not _currency_is_known',
                         'reason': 'unknown_currency', 'detail': currency}) -%}
    {%- do rules.append({'when': currency ~ ' is not null and rate_to_reporting is null',
                         'reason': 'missing_currency_rate', 'detail': currency}) -%}
    {{- return(rules) -}}
{%- endmacro %}

{#- Rule: any of the columns below zero. -#}
{% macro crm_negative_rule(columns) -%}
    {%- set conditions = [] -%}
    {%- for c in columns -%}{%- do conditions.append(c ~ ' < 0') -%}{%- endfor -%}
    {{- return({'when': '(' ~ conditions | join(' or ') ~ ')', 'reason': 'negative_value'}) -}}
{%- endmacro %}

{#- An amount converted to the reporting currency, rounded to cents. The factors are widened first:
    DuckDB types decimal(18,2) * decimal(18,8) as decimal(18,10), which overflows from 10^8 (100 million
    rupiah is an ordinary deal). Rates keep 12 decimals: a rupiah is about 0.00006 US dollars. -#}
{% macro to_reporting(amount, rate='rate_to_reporting') -%}
    cast(round(cast({{ amount }} as decimal(38, 4)) * cast({{ rate }} as decimal(38, 12)), 2) as decimal(18, 2))
{%- endmacro %}
