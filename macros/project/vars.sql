{#- Project variables, each validated where it is read, so a bad value fails compilation with a clear
    message instead of reaching SQL. Values that reach SQL are checked against strict patterns. -#}

{% macro _var_error(name, value, expected) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid project variable " ~ name ~ "=" ~ (value | string | tojson) ~ ": expected " ~ expected ~ "."
    ) }}
{%- endmacro %}

{% macro reporting_currency() -%}
    {%- set value = var('reporting_currency', 'IDR') | string -%}
    {%- if not modules.re.fullmatch('[A-Z]{3}', value) -%}
        {{ _var_error('reporting_currency', value, 'an ISO 4217 code of three capital letters, such as IDR or USD') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{% macro reporting_timezone() -%}
    {%- set value = var('reporting_timezone', 'Asia/Jakarta') | string -%}
    {%- if value not in modules.pytz.all_timezones_set -%}
        {{ _var_error('reporting_timezone', value, 'an IANA time zone name, such as Asia/Jakarta') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The as-of date as a SQL date expression: the variable as a literal, or today in the reporting zone. -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or (value | string) in ('', 'none', 'None', 'null') -%}
        {{- reporting_today() -}}
    {%- else -%}
        {%- set text = value | string -%}
        {%- set ok = modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {%- if ok -%}
            {%- set parsed = [] -%}
            {%- do try_parse_date(text, parsed) -%}
            {%- set ok = parsed | length == 1 -%}
        {%- endif -%}
        {%- if not ok -%}
            {{ _var_error('as_of_date', value, 'a date as YYYY-MM-DD, or null for today') }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro try_parse_date(text, out) -%}
    {#- Jinja has no try/except: check the calendar by hand (month 1-12, day within the month). -#}
    {%- set y, m, d = text.split('-') | map('int') | list -%}
    {%- set leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 -%}
    {%- set days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if 1 <= m <= 12 and 1 <= d <= days[m - 1] -%}
        {%- do out.append(modules.datetime.date(y, m, d)) -%}
    {%- endif -%}
{%- endmacro %}

{#- A non-negative integer variable (days, months, minutes). -#}
{% macro non_negative_int_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is boolean or not (value is number) or value != (value | int) or value < 0 -%}
        {{ _var_error(name, value, 'a whole number >= 0') }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}
