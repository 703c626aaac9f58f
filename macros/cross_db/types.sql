{#- An 8-byte floating-point type on every engine (dbt.type_float() is a 4-byte FLOAT on DuckDB and Spark:
    never use it for money or ratios). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'sales_kpis')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}
