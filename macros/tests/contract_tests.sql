{#- Tests on raw contract tables. They pass on an absent optional table (staging reads it as empty) and
    read raw text as staging does: trimmed, case-insensitive. -#}

{% macro relation_exists(relation) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {{- return(found is not none) -}}
{%- endmacro %}

{% test contract_not_null(model, column_name) %}
    {%- if relation_exists(model) %}
    select {{ column_name }}
    from {{ model }}
    where {{ crm_text(column_name) }} is null
    {%- else %}
    select 1 as absent_table where 1 = 0
    {%- endif %}
{% endtest %}

{% test contract_accepted_values(model, column_name, values) %}
    {%- if relation_exists(model) %}
    select
        {{ normalize_label(crm_text(column_name)) }} as value_field,
        count(*) as n_records
    from {{ model }}
    where
        {{ crm_text(column_name) }} is not null
        and {{ normalize_label(crm_text(column_name)) }} not in (
            {%- for v in values %}'{{ v }}'{{ ", " if not loop.last }}{% endfor -%}
        )
    group by 1
    {%- else %}
    select 1 as absent_table where 1 = 0
    {%- endif %}
{% endtest %}
