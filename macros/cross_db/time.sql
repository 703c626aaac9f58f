{#- Time-zone helpers. Raw timestamps are UTC (contract); months and days are cut in the reporting zone. -#}

{#- A UTC timestamp (without zone) as wall-clock time in the reporting time zone. -#}
{% macro to_reporting_tz(expr) -%}
    {{ return(adapter.dispatch('to_reporting_tz', 'sales_kpis')(expr)) }}
{%- endmacro %}

{% macro default__to_reporting_tz(expr) -%}
    cast(({{ expr }} at time zone 'UTC') at time zone '{{ reporting_timezone() }}' as timestamp)
{%- endmacro %}

{% macro spark__to_reporting_tz(expr) -%}
    from_utc_timestamp({{ expr }}, '{{ reporting_timezone() }}')
{%- endmacro %}

{#- Today's date in the reporting time zone. -#}
{% macro reporting_today() -%}
    {{ return(adapter.dispatch('reporting_today', 'sales_kpis')()) }}
{%- endmacro %}

{% macro default__reporting_today() -%}
    cast(current_timestamp at time zone '{{ reporting_timezone() }}' as date)
{%- endmacro %}

{% macro spark__reporting_today() -%}
    to_date(from_utc_timestamp(current_timestamp(), '{{ reporting_timezone() }}'))
{%- endmacro %}
