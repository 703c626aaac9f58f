-- One row per raw file record the loader rejected (scripts/load_raw.py writes them to the raw schema).

{%- set rejects = crm_load_relation('_load_rejects') %}

with

rejected as (
    {%- if rejects is not none %}
    select
        table_name,
        file_name,
        line_number,
        lines as line_count,
        reason,
        detail,
        raw_text
    from {{ rejects }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as file_name,
        cast(null as {{ dbt.type_bigint() }}) as line_number,
        cast(null as {{ dbt.type_bigint() }}) as line_count,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as detail,
        cast(null as {{ dbt.type_string() }}) as raw_text
    where 1 = 0
    {%- endif %}
),

final as (
    select
        table_name,
        file_name,
        line_number,
        line_count,
        reason,
        detail,
        raw_text
    from rejected
)

select * from final
