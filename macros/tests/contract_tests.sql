{#- Tests on raw contract tables, for what staging keeps without saying so (D137): versions of a key with one
    updated_at, and free labels kept as written. They pass on an absent optional table (staging reads it as
    empty) and read raw text as staging does: trimmed, case-insensitive. -#}

{% macro relation_exists(relation) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {{- return(found is not none) -}}
{%- endmacro %}

{#- Raw rows never change after their load (an --append load adds new versions), so a row the raw tests
    read once needs no second reading. On an incremental night the pipeline sets SALES_KPIS_RAW_TESTED_BATCH
    to the highest load batch a successful build has already tested (D127): the tests then read only the
    rows of newer batches, the rows of tonight's export. The variable is read only while dbt executes, never
    while it parses (as SALES_KPIS_AS_OF_DATE, D115); unset or empty, every row is read. Returns a SQL
    condition on the raw table's rows, or an empty text. -#}
{% macro contract_new_rows(model) -%}
    {%- set tested = env_var('SALES_KPIS_RAW_TESTED_BATCH', '') | trim if execute else '' -%}
    {%- if tested == '' -%}
        {{- return('') -}}
    {%- elif not tested.isdigit() -%}
        {{ exceptions.raise_compiler_error(
            "SALES_KPIS_RAW_TESTED_BATCH must be a load batch number (digits), got '" ~ tested ~ "'") }}
    {%- else -%}
        {#- a raw table without the column has had no --append load: all its rows are from the full load -#}
        {%- set columns = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
        {{- return('_load_batch > ' ~ tested if '_load_batch' in columns else '1 = 0') -}}
    {%- endif -%}
{%- endmacro %}

{#- A raw text that is exactly one of the values, when that value is itself a normalised label (lower case, no
    outer or doubled whitespace), normalises to that value and passes: the first condition skips the regular
    expressions of the normalisation for such rows (most rows of a clean export), with the same result (D125). -#}
{% test contract_accepted_values(model, column_name, values) %}
    {%- set new_rows = contract_new_rows(model) if relation_exists(model) else none %}
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
        {%- if new_rows %}
        {{ new_rows }} and
        {%- endif %}
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
    text, NULLs equal). On a key plus updated_at it finds versions staging can only order by hash. With new
    rows only (contract_new_rows), a combination is reported when one of its rows is new: the groups are
    those of the new rows' first column, every row of them, old ones too. That form cleans the first
    column's text once per row (raw_rows) and the other columns' only for the rows it keeps: written inline,
    the clean-up of the first column ran in the filter, its subquery and the grouping, each over every raw
    row (the DuckDB profile disables common-subexpression elimination). -#}
{% test contract_unique_combination(model, combination_of_columns) %}
    {%- set new_rows = contract_new_rows(model) if relation_exists(model) else none %}
    {%- set first = combination_of_columns[0] %}
    {%- if relation_exists(model) and new_rows %}
    with raw_rows as (
        select
            {%- for c in combination_of_columns[1:] %}
            {{ c }},
            {%- endfor %}
            {{ crm_text(first) }} as first_key,
            {{ new_rows }} as is_new
        from {{ model }}
    ),

    new_first_keys as (
        select distinct first_key from raw_rows
        where is_new
    )

    select
        first_key as {{ first }},
        {%- for c in combination_of_columns[1:] %}
        {{ crm_text(c) }} as {{ c }},
        {%- endfor %}
        count(*) as n_records
    from raw_rows
    where
        first_key in (select first_key from new_first_keys)
        or (first_key is null and exists (select 1 from new_first_keys where first_key is null))
    group by
        first_key
        {%- for c in combination_of_columns[1:] %},
        {{ crm_text(c) }}
        {%- endfor %}
    having count(*) > 1 and sum(case when is_new then 1 else 0 end) > 0
    {%- elif relation_exists(model) %}
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
