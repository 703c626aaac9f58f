{#- Row accounting: every raw row of a contract table is staged, superseded, soft-deleted or quarantined.
    The raw count is read from the raw table itself and the staged count from the staging view, so a
    row lost anywhere in between breaks the balance. -#}

{#- The 16 contract tables, sorted. From crm_contract() (static), because models must know their refs
    while dbt parses (the graph is empty then); tests/python/test_crm_contract_macro.py keeps it in sync
    with the sources file. -#}
{% macro crm_table_names() -%}
    {{- return(crm_contract().keys() | sort) -}}
{%- endmacro %}

{#- One row for a table: raw_rows, staged_rows, superseded_rows, soft_deleted_rows, quarantined_rows. -#}
{% macro crm_row_accounting(table_name) -%}
    select
        '{{ table_name }}' as table_name,
        {{ 'true' if crm_table_exists(table_name) else 'false' }} as is_table_present,
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
