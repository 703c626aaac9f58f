-- One row per kept raw row and data-quality warning: rows staging keeps because their business can be
-- interpreted, flagged because a value is missing, unresolved or odd (crm_warning_rules()).

with

flagged as (
    {%- for table_name in crm_warning_tables() %}
    {%- set outer_loop = loop %}
    {%- for w in crm_warning_rules(table_name) %}
    select
        '{{ table_name }}' as table_name,
        _raw_key as raw_key,
        '{{ w.flag[3:] }}' as warning,
        cast({{ w.detail }} as {{ dbt.type_string() }}) as detail
    from {{ ref('base_crm__' ~ table_name) }}
    where {{ w.flag }}
    {{ 'union all' if not (loop.last and outer_loop.last) }}
    {%- endfor %}
    {%- endfor %}
),

final as (
    select
        table_name,
        raw_key,
        warning,
        detail
    from flagged
)

select * from final
