{#- Row accounting: every raw row of a contract table is staged, superseded, soft-deleted or quarantined.
    The raw count is read from the raw table itself and the staged count from the staging view, so a
    row lost anywhere in between breaks the balance. -#}

{#- The 16 contract tables, sorted. From crm_contract() (static), because models must know their refs
    while dbt parses (the graph is empty then); tests/python/test_crm_contract_macro.py keeps it in sync
    with the sources file. -#}
{% macro crm_table_names() -%}
    {{- return(crm_contract().keys() | sort) -}}
{%- endmacro %}

{#- The loader's file accounting in the raw schema (`_load_files`, `_load_rejects`; scripts/load_raw.py), or
    none when the raw tables came another way (an extract-load tool, --skip-load) or in a unit test. -#}
{% macro crm_load_relation(identifier) -%}
    {%- if not execute or crm_in_unit_test() -%}{{ return(none) }}{%- endif -%}
    {%- set rel = source('crm', 'accounts') -%}
    {{- return(adapter.get_relation(database=rel.database, schema=rel.schema, identifier=identifier)) -}}
{%- endmacro %}

{#- One row for a table: file_records (records in the loaded files, counted independently of the parse;
    NULL when no file was loaded), rejected_at_load_rows, raw_rows (loaded), staged_rows, superseded_rows,
    soft_deleted_rows, quarantined_rows. -#}
{% macro crm_row_accounting(table_name) -%}
    {%- set files = crm_load_relation('_load_files') -%}
    select
        '{{ table_name }}' as table_name,
        {{ 'true' if crm_table_exists(table_name) else 'false' }} as is_table_present,
        {%- if files is not none %}
        {#- one row per loaded file: a full load's, then one per --append load -#}
        (
            select cast(sum(records_in_file) as {{ dbt.type_bigint() }}) from {{ files }}
            where table_name = '{{ table_name }}'
        ) as file_records,
        coalesce(
            (
                select cast(sum(rejected_records) as {{ dbt.type_bigint() }}) from {{ files }}
                where table_name = '{{ table_name }}'
            ),
            0
        ) as rejected_at_load_rows,
        {%- else %}
        cast(null as {{ dbt.type_bigint() }}) as file_records,
        cast(0 as {{ dbt.type_bigint() }}) as rejected_at_load_rows,
        {%- endif %}
        (select count(*) from {{ crm_source(table_name) }} as raw_rows) as raw_rows,
        (select count(*) from {{ ref('stg_crm__' ~ table_name) }}) as staged_rows,
        (
            select count(*) from {{ ref('base_crm__' ~ table_name) }} where _disposition = 'superseded'
        ) as superseded_rows,
        (
            select count(*) from {{ ref('base_crm__' ~ table_name) }} where _disposition = 'soft_deleted'
        ) as soft_deleted_rows,
        (
            select count(*) from {{ ref('base_crm__' ~ table_name) }} where _disposition = 'quarantined'
        ) as quarantined_rows
{%- endmacro %}
