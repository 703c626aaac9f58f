{#- Arithmetic conventions shared by every KPI view (specs: ratios are fractions, NULL on a zero
    denominator; growth is (current - previous) / previous, NULL when previous is 0 or absent). -#}

{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else ({{ numerator }}) * 1.0 / ({{ denominator }})
    end
{%- endmacro %}

{% macro growth_rate(current, previous) -%}
    {{ safe_divide('(' ~ current ~ ') - (' ~ previous ~ ')', previous) }}
{%- endmacro %}

{#- Money in the reporting currency, as a typed column: `{{ money('sum(x)') }} as revenue`. -#}
{% macro money(expr) -%}
    cast(coalesce({{ expr }}, 0) as decimal(18, 2))
{%- endmacro %}

{#- A count that is 0 (not NULL) on spine months without activity. -#}
{% macro count_or_zero(expr) -%}
    cast(coalesce({{ expr }}, 0) as {{ dbt.type_bigint() }})
{%- endmacro %}
