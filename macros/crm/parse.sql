{#- Parsing raw values with try_cast semantics: a value that does not parse becomes NULL, and the staging
    model compares it with the raw text to quarantine the row as unparseable. -#}

{#- A raw timestamp as UTC. Text with an offset (+07, Z) is converted to UTC; text without one is UTC. -#}
{% macro crm_timestamp(column) -%}
    {{ parse_timestamp(crm_text(column)) }}
{%- endmacro %}

{#- The parse_* macros take text that crm_text already cleaned. Text must look like what the rules accept
    before the engine's cast sees it: engines also accept 'infinity', 'epoch', hex or '1_000', which are
    not values a CRM export means. -#}

{#- ISO 8601 date or date-time, optional fraction, optional offset (Z, UTC, +07, +0700, +07:00). -#}
{% macro iso_timestamp_pattern() -%}
    {{- return('[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?'
               ~ '( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?))?') -}}
{%- endmacro %}

{#- A plain decimal number, optionally signed, optionally with an exponent (no thousands separators). -#}
{% macro decimal_pattern() -%}
    {{- return('[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?') -}}
{%- endmacro %}

{#- A whole number; a zero fraction (12.0, as some exports write integers) is accepted, 12.5 is not. -#}
{% macro integer_pattern() -%}
    {{- return('[+-]?[0-9]+([.]0*)?') -}}
{%- endmacro %}

{% macro parse_timestamp(text) -%}
    case
        when {{ matches_pattern(text, iso_timestamp_pattern()) }}
            then {{ adapter.dispatch('parse_timestamp', 'sales_kpis')(text) }}
    end
{%- endmacro %}

{% macro default__parse_timestamp(text) -%}
    {{ dbt.safe_cast(text, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(text) -%}
    cast(try_cast({{ text }} as timestamptz) as timestamp)
{%- endmacro %}

{#- A date; text holding a full timestamp keeps its (UTC) date part. -#}
{% macro parse_date(text) -%}
    cast({{ parse_timestamp(text) }} as date)
{%- endmacro %}

{% macro parse_number(text, data_type) -%}
    {%- if data_type | lower == 'integer' %}
    case
        when {{ matches_pattern(text, integer_pattern()) }}
            then {{ dbt.safe_cast(dbt.safe_cast(text, 'decimal(38, 10)'), data_type) }}
    end
    {%- else %}
    case when {{ matches_pattern(text, decimal_pattern()) }} then {{ dbt.safe_cast(text, data_type) }} end
    {%- endif %}
{%- endmacro %}

{% macro parse_boolean(text) -%}
    case
        when lower({{ text }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ text }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- Parse clean text by its contract type (as written in the sources file). -#}
{% macro parse_contract_type(text, data_type) -%}
    {%- set t = data_type | lower -%}
    {%- if t == 'timestamp' -%}{{ parse_timestamp(text) }}
    {%- elif t == 'date' -%}{{ parse_date(text) }}
    {%- elif t == 'boolean' -%}{{ parse_boolean(text) }}
    {%- elif t.startswith('decimal') or t == 'integer' -%}{{ parse_number(text, t) }}
    {%- else -%}{{ text }}
    {%- endif -%}
{%- endmacro %}

{#- The quarantine reason when a present raw value does not parse as its contract type. -#}
{% macro crm_unparseable_reason(data_type) -%}
    {%- set t = data_type | lower -%}
    {%- if t in ('timestamp', 'date') -%}unparseable_timestamp
    {%- elif t == 'boolean' -%}unparseable_boolean
    {%- elif t.startswith('decimal') or t == 'integer' -%}unparseable_number
    {%- endif -%}
{%- endmacro %}
