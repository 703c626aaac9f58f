-- One row per landed table of the CRM in use (var crm_source; none with the contract's own tables): the
-- records of its file as the loader counted them and the rows landed. The adapter models then keep every
-- landed row (tested by adapter_rows_match_landed), and int_raw_rows_accounted carries on from there.

{%- set crm = crm_source_name() %}
{%- set landed = [] %}
{%- if execute and crm != 'contract' %}
    {%- for node in graph.sources.values() | sort(attribute='name') if node.source_name == crm %}
        {%- set found = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) %}
        {%- do landed.append({'name': node.name, 'relation': found, 'schema': node.schema}) %}
    {%- endfor %}
{%- endif %}
{%- set files = none %}
{%- if landed %}
    {%- set files = adapter.get_relation(database=target.database, schema=landed[0].schema, identifier='_load_files') %}
{%- endif %}

with

landed_tables as (
    {%- for table in landed %}
    select
        '{{ crm }}' as crm_source,
        '{{ table.name }}' as object_name,
        {{ 'true' if table.relation is not none else 'false' }} as is_table_present,
        {%- if files is not none %}
        (select max(records_in_file) from {{ files }} where table_name = '{{ table.name }}') as file_records,
        coalesce(
            (select max(rejected_records) from {{ files }} where table_name = '{{ table.name }}'), 0
        ) as rejected_at_load_rows,
        {%- else %}
        cast(null as {{ dbt.type_bigint() }}) as file_records,
        cast(0 as {{ dbt.type_bigint() }}) as rejected_at_load_rows,
        {%- endif %}
        {%- if table.relation is not none %}
        (select count(*) from {{ table.relation }}) as landed_rows
        {%- else %}
        cast(0 as {{ dbt.type_bigint() }}) as landed_rows
        {%- endif %}
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as crm_source,
        cast(null as {{ dbt.type_string() }}) as object_name,
        cast(null as {{ dbt.type_boolean() }}) as is_table_present,
        cast(null as {{ dbt.type_bigint() }}) as file_records,
        cast(null as {{ dbt.type_bigint() }}) as rejected_at_load_rows,
        cast(null as {{ dbt.type_bigint() }}) as landed_rows
    where 1 = 0
    {%- endfor %}
),

final as (
    select
        crm_source,
        object_name,
        is_table_present,
        file_records,
        rejected_at_load_rows,
        landed_rows
    from landed_tables
)

select * from final
