{#- Arithmetic conventions shared by every KPI view (specs: ratios are fractions, NULL on a zero
    denominator; growth is (current - previous) / previous, NULL when previous is 0 or absent). -#}

{#- A ratio is a double on every engine (DuckDB's division already gives one; PostgreSQL's numeric division
    would give 20 decimal places, and dbt.type_float() is 4 bytes on DuckDB and Spark). -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else {{ double_quotient(numerator, denominator) }}
    end
{%- endmacro %}

{#- numerator / denominator as an 8-byte float. DuckDB divides decimals in double precision; Spark divides
    them as decimals (six to eleven digits of scale, then rounded: 2/3 became 0.6666666666666667), so on
    Spark both sides are cast to double first. -#}
{% macro double_quotient(numerator, denominator) -%}
    {{ return(adapter.dispatch('double_quotient', 'sales_kpis')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__double_quotient(numerator, denominator) -%}
    cast(({{ numerator }}) * 1.0 / ({{ denominator }}) as {{ type_double() }})
{%- endmacro %}

{% macro spark__double_quotient(numerator, denominator) -%}
    (cast(({{ numerator }}) as double) / cast(({{ denominator }}) as double))
{%- endmacro %}

{% macro growth_rate(current, previous) -%}
    {{ safe_divide('(' ~ current ~ ') - (' ~ previous ~ ')', previous) }}
{%- endmacro %}

{#- Money in the reporting currency, as a typed column: `{{ money('sum(x)') }} as revenue`. -#}
{% macro money(expr) -%}
    cast(coalesce({{ expr }}, 0) as decimal(18, 2))
{%- endmacro %}

{#- A deal's weighted amount: amount x stage probability, to the cent. The probability (a double in the
    stage_mapping seed) becomes an exact decimal first (the amount is widened so DuckDB multiplies in 128
    bits), so a half cent rounds away from zero like every
    other money value instead of falling on either side of .5 in binary floating point
    (655,274,750.90 x 0.75 = 491,456,063.175 -> .18, not .17). -#}
{% macro weighted_amount(amount, probability) -%}
    cast(cast({{ amount }} as decimal(38, 2)) * cast({{ probability }} as decimal(9, 6)) as decimal(18, 2))
{%- endmacro %}

{#- A count that is 0 (not NULL) on spine months without activity. -#}
{% macro count_or_zero(expr) -%}
    cast(coalesce({{ expr }}, 0) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The rows of a per-rep monthly KPI view: every month a rep was employed and every month a rep (or no
    rep, NULL) has activity, from the first month with activity to the as-of month. `activity` names a CTE
    with rep_id and month_start; with only_active_reps, employed months count only for reps that appear in
    it. Columns: month_start, rep_id, rep_name, team, is_complete_month, is_employed_in_month. Join the
    view's monthly figures to it on rep and month (NULL-safe where rep_id can be NULL). -#}
{% macro rep_month_spine(activity, only_active_reps=false) -%}
    select
        months.month_start,
        rep_months.rep_id,
        reps.full_name as rep_name,
        reps.team,
        months.is_complete_month,
        employed.rep_id is not null as is_employed_in_month
    from (
        select
            employed_months.rep_id,
            employed_months.month_start
        from {{ ref('int_rep_months_employed') }} as employed_months
        {%- if only_active_reps %}
        where employed_months.rep_id in (select active.rep_id from {{ activity }} as active)
        {%- endif %}

        union

        select
            active.rep_id,
            active.month_start
        from {{ activity }} as active
    ) as rep_months
    inner join {{ ref('dim_months') }} as months
        on rep_months.month_start = months.month_start
    inner join (
        select min(active.month_start) as first_month
        from {{ activity }} as active
    ) as first_months
        on months.month_start >= first_months.first_month
    left join {{ ref('dim_reps') }} as reps
        on rep_months.rep_id = reps.rep_id
    left join {{ ref('int_rep_months_employed') }} as employed
        on
            rep_months.rep_id = employed.rep_id
            and rep_months.month_start = employed.month_start
{%- endmacro %}

{#- The months of a KPI view: every month of dim_months from the first month with activity to the as-of
    month, so a month without activity shows zeros and a view whose input is empty has no rows (D10).
    `activity` names a CTE (or relation) with a month column. Columns: month_start, month_end,
    is_complete_month, is_as_of_month, as_of_date. Left join the view's monthly figures to it. -#}
{% macro kpi_months(activity, month_column='month_start') -%}
    select
        months.month_start,
        months.month_end,
        months.is_complete_month,
        months.is_as_of_month,
        months.as_of_date
    from {{ ref('dim_months') }} as months
    where months.month_start >= (select min(activity.{{ month_column }}) from {{ activity }} as activity)
{%- endmacro %}

{#- The pipeline snapshot dates: each month end of dim_months before the as-of month, plus the as-of date.
    Columns: snapshot_date, month_start, is_complete_month, is_as_of_snapshot. -#}
{% macro pipeline_snapshot_dates() -%}
    select
        months.month_end as snapshot_date,
        months.month_start,
        months.is_complete_month,
        false as is_as_of_snapshot
    from {{ ref('dim_months') }} as months
    where not months.is_as_of_month

    union all

    select
        months.as_of_date as snapshot_date,
        months.month_start,
        months.is_complete_month,
        true as is_as_of_snapshot
    from {{ ref('dim_months') }} as months
    where months.is_as_of_month
{%- endmacro %}

{#- The digits 0 to 9 as rows of one column `d`: cross-joined with itself it numbers months or days in a
    spine without generate_series, so the SQL runs on every engine (D10). -#}
{% macro digits() -%}
    select 0 as d
    {%- for digit in range(1, 10) %}
    union all
    select {{ digit }}
    {%- endfor %}
{%- endmacro %}
