{#- Text clean-up shared by every staging model. -#}

{#- Trim all leading and trailing whitespace (tabs, newlines, non-breaking spaces included). -#}
{% macro trim_whitespace(expr) -%}
    {{ return(adapter.dispatch('trim_whitespace', 'sales_kpis')(expr)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^[\s\u00a0]+|[\s\u00a0]+$', '', 'g')
{%- endmacro %}

{% macro duckdb__trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^[\s\x{00A0}]+|[\s\x{00A0}]+$', '', 'g')
{%- endmacro %}

{% macro spark__trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^[\\s\\u00a0]+|[\\s\\u00a0]+$', '')
{%- endmacro %}

{#- Collapse runs of inner whitespace into one space. -#}
{% macro collapse_whitespace(expr) -%}
    {{ return(adapter.dispatch('collapse_whitespace', 'sales_kpis')(expr)) }}
{%- endmacro %}

{% macro default__collapse_whitespace(expr) -%}
    regexp_replace({{ expr }}, '[\s\u00a0]+', ' ', 'g')
{%- endmacro %}

{% macro duckdb__collapse_whitespace(expr) -%}
    regexp_replace({{ expr }}, '[\s\x{00A0}]+', ' ', 'g')
{%- endmacro %}

{% macro spark__collapse_whitespace(expr) -%}
    regexp_replace({{ expr }}, '[\\s\\u00a0]+', ' ')
{%- endmacro %}

{#- A raw value as clean text: cast to text, trimmed, empty string as NULL. -#}
{% macro crm_text(column) -%}
    nullif({{ trim_whitespace('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }}, '')
{%- endmacro %}

{#- A label as matched against the mapping seeds: lower case, trimmed, inner whitespace collapsed. -#}
{% macro normalize_label(expr) -%}
    lower({{ collapse_whitespace(trim_whitespace(expr)) }})
{%- endmacro %}

{#- Whether text matches a regular expression as a whole (NULL for NULL text). -#}
{% macro matches_pattern(expr, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'sales_kpis')(expr, pattern)) }}
{%- endmacro %}

{% macro default__matches_pattern(expr, pattern) -%}
    ({{ expr }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__matches_pattern(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_pattern(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- The text matched by the first parenthesised group of a regular expression; '' or NULL without a match
    (callers wrap it in nullif(..., '')). -#}
{% macro regexp_group(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_group', 'sales_kpis')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_group(expr, pattern) -%}
    substring({{ expr }} from '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_group(expr, pattern) -%}
    regexp_extract({{ expr }}, '{{ pattern }}', 1)
{%- endmacro %}

{% macro spark__regexp_group(expr, pattern) -%}
    regexp_extract({{ expr }}, '{{ pattern }}', 1)
{%- endmacro %}
