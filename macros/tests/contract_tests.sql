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

{#- A raw text that is exactly one of the values, when that value is itself a normalised label (lower case, no
    outer or doubled whitespace), normalises to that value and passes: the first condition skips the regular
    expressions of the normalisation for such rows (most rows of a clean export), with the same result (D125). -#}
{% test contract_accepted_values(model, column_name, values) %}
    {%- set normalised = [] -%}
    {%- for v in values -%}
        {%- set text = v | string -%}
        {%- if text == text | lower and text == text | trim and text.split() | join(' ') == text -%}
            {%- do normalised.append(text) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if relation_exists(model) %}
    select
        {{ normalize_label(crm_text(column_name)) }} as value_field,
        count(*) as n_records
    from {{ model }}
    where
        {%- if normalised %}
        coalesce(cast({{ column_name }} as {{ dbt.type_string() }}) not in (
            {%- for v in normalised %}'{{ v }}'{{ ", " if not loop.last }}{% endfor -%}
        ), true)
        and
        {%- endif %}
        {{ crm_text(column_name) }} is not null
        and {{ normalize_label(crm_text(column_name)) }} not in (
            {%- for v in values %}'{{ v }}'{{ ", " if not loop.last }}{% endfor -%}
        )
    group by 1
    {%- else %}
    select 1 as absent_table where 1 = 0
    {%- endif %}
{% endtest %}

{#- The combination of columns is unique in the raw table, compared as staging compares them (trimmed
    text, NULLs equal). On a key plus updated_at it finds versions staging can only order by hash. -#}
{% test contract_unique_combination(model, combination_of_columns) %}
    {%- if relation_exists(model) %}
    select
        {%- for c in combination_of_columns %}
        {{ crm_text(c) }} as {{ c }},
        {%- endfor %}
        count(*) as n_records
    from {{ model }}
    group by
        {%- for c in combination_of_columns %}
        {{ crm_text(c) }}{{ "," if not loop.last }}
        {%- endfor %}
    having count(*) > 1
    {%- else %}
    select 1 as absent_table where 1 = 0
    {%- endif %}
{% endtest %}

{#- Present values parse as the contract type, as staging parses them (else staging quarantines them). -#}
{% test contract_parses_as(model, column_name, data_type) %}
    {%- if relation_exists(model) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ crm_text(column_name) }} is not null
        and {{ parse_contract_type(crm_text(column_name), data_type) }} is null
    {%- else %}
    select 1 as absent_table where 1 = 0
    {%- endif %}
{% endtest %}
