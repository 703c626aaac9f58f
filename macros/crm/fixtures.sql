{#- Raw-table fixtures for dbt unit tests. Raw tables hold text (CSV loads do), so a fixture is a SELECT
    with every contract column as text; columns a row leaves out are NULL. Use it with `format: sql`, which
    also works when the raw table is absent from the warehouse (dict fixtures need the table to exist):

      given:
        - input: source('crm', 'currency_rates')
          format: sql
          rows: "{{ crm_fixture('currency_rates', [{'rate_date': '2025-01-03', 'currency_code': 'USD',
                                                     'rate_to_reporting': '15000'}]) }}"
-#}
{% macro crm_fixture(table_name, rows) -%}
    {{- text_fixture('crm_fixture(' ~ table_name ~ ')', crm_contract_table(table_name).columns | map('first') | list, rows) -}}
{%- endmacro %}

{#- A fixture of text columns `names`: one SELECT per row (a column the row leaves out is NULL), or an empty
    SELECT of those columns when there are no rows. `caller_name` names the calling macro in errors. Also
    used by the CRM adapters' fixtures (salesforce_fixture). -#}
{% macro text_fixture(caller_name, names, rows) -%}
    {%- for row in rows -%}
        {%- for c in row if c not in names -%}
            {{ exceptions.raise_compiler_error(caller_name ~ ": unknown column " ~ c) }}
        {%- endfor %}
    select
        {%- for name in names %}
        cast({{ "null" if row.get(name) is none else dbt.string_literal(dbt.escape_single_quotes(row[name] | string)) }}
            as {{ dbt.type_string() }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        {%- for name in names %}
        cast(null as {{ dbt.type_string() }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endfor %}
{%- endmacro %}
