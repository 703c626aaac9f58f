{#- Raw data is messy by design, so a value that does not parse must become NULL (and staging then
    quarantines the row with a reason): cast_or_null(field, type) is the cast staging uses. DuckDB and
    Spark have try_cast. PostgreSQL 15 has none (16's pg_input_is_valid is not in 15):
    create_try_cast_function() (an on-run-start hook) creates one in the target schema, a PL/pgSQL function
    that casts and returns NULL on any error. Staging only calls it on text that already matches the type's
    pattern, so the error it absorbs is the rare impossible value (2025-02-30, an overflow).
    dbt.safe_cast itself is a plain cast on DuckDB and PostgreSQL; duckdb__safe_cast below makes it try_cast
    on DuckDB (it predates cast_or_null). On PostgreSQL dbt.safe_cast stays dbt's: dbt also uses it for
    unit-test fixtures, where a value that does not cast must fail, not become NULL. -#}
{% macro cast_or_null(field, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'sales_kpis')(field, type)) }}
{%- endmacro %}

{% macro default__cast_or_null(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- The outer cast gives the result its declared precision and scale (a function returns a numeric
    without them), so dbt (unit tests) reads the column's type as declared. -#}
{% macro postgres__cast_or_null(field, type) -%}
    cast({{ target.schema }}.sales_kpis_try_cast(cast({{ field }} as text), '{{ type }}', cast(null as {{ type }})) as {{ type }})
{%- endmacro %}

{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- on-run-start: the PostgreSQL function behind cast_or_null (nothing on other engines). `_type` is the
    type's SQL text from the macro call (a compile-time constant, never data). Integers are read through
    numeric, as DuckDB's try_cast does: '12.0000000000' is 12 (the integer pattern has checked it). -#}
{% macro create_try_cast_function() -%}
    {{ return(adapter.dispatch('create_try_cast_function', 'sales_kpis')()) }}
{%- endmacro %}

{% macro default__create_try_cast_function() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_try_cast_function() -%}
    create schema if not exists {{ target.schema }};
    create or replace function {{ target.schema }}.sales_kpis_try_cast(_in text, _type text, inout _out anyelement)
    language plpgsql stable parallel safe as $body$
    begin
        if _in is null then
            return;
        elsif _type in ('integer', 'bigint', 'smallint') then
            execute format('select cast(cast(%L as numeric) as %s)', _in, _type) into _out;
        else
            execute format('select cast(%L as %s)', _in, _type) into _out;
        end if;
    exception when others then
        _out := null;
    end
    $body$
{%- endmacro %}
