{#- Parsing raw values with try_cast semantics: a value that does not parse becomes NULL, and the staging
    model compares it with the raw text to quarantine the row as unparseable. -#}

{#- A raw timestamp as UTC. Text with an offset (+07, Z) is converted to UTC; text without one is UTC. -#}
{% macro crm_timestamp(column) -%}
    {{ parse_timestamp(crm_text(column)) }}
{%- endmacro %}

{#- The parse_* macros take text that crm_text already cleaned. -#}
{% macro parse_timestamp(text) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'sales_kpis')(text)) }}
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
    {{ dbt.safe_cast(text, data_type) }}
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
