{#- dbt.safe_cast is a plain cast on DuckDB, which errors on bad text. Raw data is messy by design, so
    a value that does not parse must become NULL (and staging then quarantines the row with a reason). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
