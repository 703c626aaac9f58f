{#- Source adapters: a CRM's tables as an extract-load tool lands them (Fivetran, Airbyte, ...) turned into
    the contract's tables before staging (docs/crm_adapters.md). var crm_source picks the adapter. -#}

{#- The CRMs with an adapter, and the contract tables each provides. -#}
{% macro crm_adapters() -%}
    {{- return({
        'salesforce': salesforce_contract_tables(),
        'hubspot': hubspot_contract_tables(),
    }) -}}
{%- endmacro %}

{#- var crm_source, validated: 'contract' (the raw contract tables, the default) or a CRM with an adapter. -#}
{% macro crm_source_name() -%}
    {%- set value = var('crm_source', 'contract') | string -%}
    {%- if value != 'contract' and value not in crm_adapters() -%}
        {{ _var_error('crm_source', value, "contract, " ~ crm_adapters().keys() | sort | join(' or ')) }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The adapter model name for a contract table, or none when the table is read from the raw schema. -#}
{% macro crm_adapter_model(table_name) -%}
    {%- set crm = crm_source_name() -%}
    {%- if crm != 'contract' and table_name in crm_adapters()[crm] -%}
        {{- return(crm ~ '__' ~ table_name) -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{#- The landed columns of a CRM object as [[name, data_type], ...], from its sources file (graph.sources). -#}
{% macro crm_landed_columns(crm, object_name) -%}
    {%- set columns = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == crm and node.name == object_name -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append([column.name, column.data_type or 'varchar']) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(columns) -}}
{%- endmacro %}

{#- True when the landed object is a required one (meta.required_object in its sources file). -#}
{% macro crm_landed_required(crm, object_name) -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == crm and node.name == object_name -%}
            {{- return(node.meta.get('required_object', false)) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(false) -}}
{%- endmacro %}

{#- A landed CRM table to select from: its source relation, or, when an optional object was not landed,
    an empty select with the columns its sources file declares. A missing required object fails. -#}
{% macro crm_landed(crm, object_name) -%}
    {%- set rel = source(crm, object_name) -%}
    {%- if not execute or crm_in_unit_test() -%}
        {{ rel }}
    {%- else -%}
        {%- set found = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
        {%- if found is not none -%}
            {{ rel }}
        {%- elif crm_landed_required(crm, object_name) -%}
            {{ exceptions.raise_compiler_error(
                "Required landed table " ~ rel ~ " (" ~ crm ~ " object " ~ object_name ~ ") is missing. Load it "
                ~ "(python -m scripts.load_raw --crm-source " ~ crm ~ ") or point var crm_landed_schema at the "
                ~ "schema your extract-load tool writes."
            ) }}
        {%- else -%}
            (
                select
                {%- for name, data_type in crm_landed_columns(crm, object_name) %}
                    cast(null as {{ crm_sql_type(data_type) }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
                {%- endfor %}
                where 1 = 0
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The landed schema of the CRM in use (var crm_landed_schema, default raw_<crm>). -#}
{% macro crm_landed_schema() -%}
    {%- set crm = crm_source_name() -%}
    {%- set value = var('crm_landed_schema', 'raw_' ~ crm) | string -%}
    {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]{0,62}', value) -%}
        {{ _var_error('crm_landed_schema', value, 'a lower-case schema name such as raw_salesforce') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}
