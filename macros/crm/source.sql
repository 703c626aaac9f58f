{#- Reading raw contract tables. Staging reads raw data only through crm_source(), which goes through
    source() (so lineage and freshness work) and stands in an empty table with the contract's columns and
    types when an optional table is absent. -#}

{% macro crm_source_node(table_name) -%}
    {%- for node in graph.sources.values() if node.source_name == 'crm' and node.name == table_name -%}
        {{- return(node) -}}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("crm source table '" ~ table_name ~ "' is not in the contract") }}
{%- endmacro %}

{#- True when the raw table exists in the warehouse (always true while parsing). -#}
{% macro crm_table_exists(table_name) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set rel = source('crm', table_name) -%}
    {%- set found = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
    {%- if found is none and crm_source_node(table_name).meta.get('required_table', false) -%}
        {{ exceptions.raise_compiler_error(
            "Required raw table " ~ rel ~ " is missing. The contract requires sales_reps, accounts and "
            ~ "opportunities; load them (scripts/load_raw.py) or point var raw_schema at a schema holding them."
        ) }}
    {%- endif -%}
    {{- return(found is not none) -}}
{%- endmacro %}

{#- An empty relation with the contract's columns and types, standing in for an absent optional table. -#}
{% macro crm_empty_table(table_name) -%}
    {%- set node = crm_source_node(table_name) -%}
    select
    {%- for column in node.columns.values() %}
        cast(null as {{ crm_sql_type(column.data_type) }}) as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}

{#- Contract logical type -> this warehouse's type. -#}
{% macro crm_sql_type(data_type) -%}
    {%- set t = data_type | lower -%}
    {%- if t == 'varchar' -%}{{ dbt.type_string() }}
    {%- elif t == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- elif t == 'integer' -%}{{ dbt.type_int() }}
    {%- elif t == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- else -%}{{ t }}
    {%- endif -%}
{%- endmacro %}

{#- The raw table to select from: the source relation, or an empty stand-in when the table is absent. -#}
{% macro crm_source(table_name) -%}
    {%- set rel = source('crm', table_name) -%}
    {%- if crm_table_exists(table_name) -%}
        {{ rel }}
    {%- else -%}
        ({{ crm_empty_table(table_name) }})
    {%- endif -%}
{%- endmacro %}

{#- The contract tables absent from the raw schema (run-start report). -#}
{% macro crm_absent_tables() -%}
    {%- set absent = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='name') if node.source_name == 'crm' -%}
        {%- if not crm_table_exists(node.name) -%}{%- do absent.append(node.name) -%}{%- endif -%}
    {%- endfor -%}
    {{- return(absent) -}}
{%- endmacro %}

{#- on-run-start hook: say which optional tables are absent (and fail early if a required one is). -#}
{% macro report_absent_raw_tables() -%}
    {%- if execute -%}
        {%- set absent = crm_absent_tables() -%}
        {%- if absent -%}
            {{ log("Optional raw tables absent (read as empty; KPIs needing them return no rows): "
                   ~ absent | join(", "), info=true) }}
        {%- else -%}
            {{ log("All 16 raw contract tables are present in schema " ~ var('raw_schema', 'raw') ~ ".", info=true) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
