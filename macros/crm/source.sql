{#- Reading raw contract tables. Staging reads raw data only through crm_source(), which goes through
    source() (so lineage and freshness work) and stands in an empty table with the contract's columns and
    types when an optional table is absent. -#}

{#- One contract table as {key, nullable_key, required, columns: [[name, data_type], ...]} (from
    crm_contract(), the Jinja copy of the sources file: unit tests compile without graph.sources). -#}
{% macro crm_contract_table(table_name) -%}
    {%- set contract = crm_contract() -%}
    {%- if table_name not in contract -%}
        {{ exceptions.raise_compiler_error("crm source table '" ~ table_name ~ "' is not in the contract") }}
    {%- endif -%}
    {{- return(contract[table_name]) -}}
{%- endmacro %}

{#- True inside a dbt unit test, where every source is a fixture (never look at the warehouse there). -#}
{% macro crm_in_unit_test() -%}
    {{- return(model is defined and model is mapping and model.get('resource_type') == 'unit_test') -}}
{%- endmacro %}

{#- True when the raw table exists in the warehouse (always true while parsing). -#}
{% macro crm_table_exists(table_name) -%}
    {%- set rel = source('crm', table_name) -%}
    {%- if not execute or crm_in_unit_test() -%}{{ return(true) }}{%- endif -%}
    {#- a table a CRM adapter provides is always there (its model reads an absent optional object as empty) -#}
    {%- if crm_adapter_model(table_name) is not none -%}{{ return(true) }}{%- endif -%}
    {%- set found = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
    {%- if found is none and crm_contract_table(table_name).required -%}
        {{ exceptions.raise_compiler_error(
            "Required raw table " ~ rel ~ " is missing. The contract requires sales_reps, accounts and "
            ~ "opportunities; load them (scripts/load_raw.py) or point var raw_schema at a schema holding them."
        ) }}
    {%- endif -%}
    {{- return(found is not none) -}}
{%- endmacro %}

{#- An empty relation with the contract's columns and types, standing in for an absent optional table. -#}
{% macro crm_empty_table(table_name) -%}
    {%- set table = crm_contract_table(table_name) -%}
    select
    {%- for name, data_type in table.columns %}
        cast(null as {{ crm_sql_type(data_type) }}) as {{ name }}{{ "," if not loop.last }}
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

{#- The raw table to select from: the CRM adapter's model when var crm_source names a CRM whose adapter
    provides the table (macros/adapters/), else the source relation, or an empty stand-in when the table
    is absent. -#}
{% macro crm_source(table_name) -%}
    {%- set rel = source('crm', table_name) -%}
    {%- set adapter_model = crm_adapter_model(table_name) -%}
    {%- if adapter_model is not none -%}
        {{ ref(adapter_model) }}
    {%- elif crm_table_exists(table_name) -%}
        {{ rel }}
    {%- else -%}
        ({{ crm_empty_table(table_name) }})
    {%- endif -%}
{%- endmacro %}

{#- The contract tables absent from the raw schema (run-start report). -#}
{% macro crm_absent_tables() -%}
    {%- set absent = [] -%}
    {%- for table_name in crm_table_names() -%}
        {%- if not crm_table_exists(table_name) -%}{%- do absent.append(table_name) -%}{%- endif -%}
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

{#- Column names any model of the project documents (lower case): an extra column by one of these names
    would shadow or clash with a column a downstream model computes, so it stays behind in the raw table. -#}
{% macro crm_reserved_column_names() -%}
    {%- set names = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- for column_name in node.columns -%}
            {%- do names.append(column_name | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{- return(names | unique | list) -}}
{%- endmacro %}

{#- The columns of a raw table (or of the CRM adapter's model for it) beyond the contract's: a CRM's custom
    fields, an export's extra columns, an adapter's source_relation. crm_typed_rows carries them unchanged
    (as loaded, untyped) after the contract's columns into base_crm__<table>, and stg_crm__<table> lists
    them last (crm_extra_columns_after). Left behind in the raw table: names starting with '_' (bookkeeping
    of the loader or an extract-load tool) and names any model of the project documents (they would
    clash with a column computed downstream, e.g. an extra `probability`). Call it from a base model only
    (it reads the relation base models depend on). -#}
{% macro crm_extra_columns(table_name) -%}
    {%- if not execute or crm_in_unit_test() or not crm_table_exists(table_name) -%}{{ return([]) }}{%- endif -%}
    {%- set reserved = crm_reserved_column_names() -%}
    {%- set adapter_model = crm_adapter_model(table_name) -%}
    {%- set relation = ref(adapter_model) if adapter_model is not none else source('crm', table_name) -%}
    {%- set extras = [] -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- if (col.name | lower) not in reserved and not col.name.startswith('_') -%}
            {%- do extras.append(col.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(extras) -}}
{%- endmacro %}

{#- The extra columns of base_crm__<table> as the tail of a staging view's select list:
    `, "region__c", "source_relation"`, or nothing. They are the base model's columns that no model
    documents and that do not start with '_' (what crm_extra_columns let through). Write it on its own line
    after the view's last contract column, with `-- noqa: LT02` (sqlfluff cannot place the indent of a
    line that renders empty). -#}
{% macro crm_extra_columns_after(table_name) -%}
    {%- if execute and not crm_in_unit_test() -%}
        {%- set reserved = crm_reserved_column_names() -%}
        {%- for col in adapter.get_columns_in_relation(ref('base_crm__' ~ table_name)) -%}
            {%- if (col.name | lower) not in reserved and not col.name.startswith('_') -%}
                , {{ adapter.quote(col.name) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
