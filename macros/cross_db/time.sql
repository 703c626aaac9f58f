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

{#- The reporting-zone calendar date of a UTC timestamp. -#}
{% macro reporting_date(expr) -%}
    cast({{ to_reporting_tz(expr) }} as date)
{%- endmacro %}

{#- First day of the month of a date (or timestamp), as a date. -#}
{% macro month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{#- First day of the reporting-zone month of a UTC timestamp. -#}
{% macro reporting_month(expr) -%}
    {{ month_start(reporting_date(expr)) }}
{%- endmacro %}

{#- Whole calendar days from one date to another (dates in the reporting zone). -#}
{% macro days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') | trim }}
{%- endmacro %}

{#- The UTC instant (a timestamp without zone) at which a date begins in the reporting time zone
    (local_to_utc, macros/crm/parse.sql, of its midnight). -#}
{% macro reporting_day_start_utc(date_expr) -%}
    {{ local_to_utc('cast(' ~ date_expr ~ ' as timestamp)', reporting_timezone()) }}
{%- endmacro %}

{#- The as-of rule of the facts, written once: a UTC timestamp is on or before the end of the as-of date
    in the reporting time zone (its reporting-zone date is not after the as-of date). NULL stays NULL:
    wrap it in coalesce(..., false) for a flag.
    Converting every timestamp to the reporting zone costs a time-zone lookup per row (a fifth of
    fct_email_messages' CPU at 10 M raw rows, D135), so the rule compares with two constants first:
    before the as-of date begins (in the zone) is on or before it, from two days later on is after it,
    and only the timestamps between, about two days of them, are converted. Exact as long as the zone's
    offset changes by less than a day within two days, which every zone's does. -#}
{% macro is_on_or_before_as_of(timestamp) -%}
    ({{ timestamp }} < {{ reporting_day_start_utc(as_of_date()) }}
        or ({{ timestamp }} < {{ reporting_day_start_utc(dbt.dateadd('day', 2, as_of_date()) | trim) }}
            and {{ reporting_date(timestamp) }} <= {{ as_of_date() }}))
{%- endmacro %}
