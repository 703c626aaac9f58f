{#- Generic tests that dbt-utils / dbt-expectations would give (the hub cannot be reached here). -#}

{#- Every row satisfies a boolean SQL expression (rows where it is false or NULL fail). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(
        {%- if column_name %}{{ column_name }} {% endif %}{{ expression }}, false)
{% endtest %}

{#- Values lie within [min_value, max_value]; either bound may be omitted. NULLs pass. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("accepted_range needs min_value or max_value") }}
    {%- endif %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and not (
            true
            {%- if min_value is not none %}
            and {{ column_name }} {{ '>=' if inclusive else '>' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            and {{ column_name }} {{ '<=' if inclusive else '<' }} {{ max_value }}
            {%- endif %}
        )
{% endtest %}

{#- The combination of columns is unique (NULLs compared as equal values). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_records
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- A ratio column equals numerator / denominator, and is NULL exactly when the denominator is 0 or NULL. -#}
{% test ratio_matches_parts(model, column_name, numerator, denominator, tolerance=0.000001) %}
    select {{ column_name }}, {{ numerator }}, {{ denominator }}
    from {{ model }}
    where
        case
            when coalesce({{ denominator }}, 0) = 0 then {{ column_name }} is not null
            else
                {{ column_name }} is null
                or abs({{ column_name }} - {{ numerator }} * 1.0 / {{ denominator }}) > {{ tolerance }}
        end
{% endtest %}

{#- None of the listed columns holds a NULL: one scan of the model for all of them (instead of one not_null
    test, and one query, per column). A failing row names the column and how many NULLs it holds. -#}
{% test not_null_columns(model, column_names) %}
    with null_counts as (
        select
            {%- for column in column_names %}
            count(case when {{ column }} is null then 1 end) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    {% for column in column_names %}
    select
        '{{ column }}' as column_name,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    where nulls_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}

{#- None of the listed columns holds a negative value: one scan for all of them, like not_null_columns. NULLs
    pass. A failing row names the column, how many negative values it holds and the lowest. -#}
{% test non_negative_columns(model, column_names) %}
    with negative_counts as (
        select
            {%- for column in column_names %}
            count(case when {{ column }} < 0 then 1 end) as negatives_{{ loop.index }},
            min({{ column }}) as lowest_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}
    )

    {% for column in column_names %}
    select
        '{{ column }}' as column_name,
        negatives_{{ loop.index }} as negative_rows,
        cast(lowest_{{ loop.index }} as {{ dbt.type_string() }}) as lowest_value
    from negative_counts
    where negatives_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}

{#- Months are contiguous: within each group of `group_by` columns (NULL is one group), each month follows
    the group's previous month by exactly one month. A failing row is a gap: the month before it and the
    month after it. Months are compared as year * 12 + month (no date arithmetic, so the same SQL runs on
    every engine). Duplicate months are the grain test's business. -#}
{% test months_contiguous(model, month_column, group_by=[]) %}
    with months as (
        select
            {%- for column in group_by %}
            {{ column }},
            {%- endfor %}
            {{ month_column }} as month_after_gap,
            lag({{ month_column }}) over (
                {%- if group_by %}
                partition by {{ group_by | join(', ') }}
                {%- endif %}
                order by {{ month_column }}
            ) as month_before_gap
        from {{ model }}
        where {{ month_column }} is not null
    )

    select *
    from months
    where
        (extract(year from month_after_gap) * 12 + extract(month from month_after_gap))
        - (extract(year from month_before_gap) * 12 + extract(month from month_before_gap)) > 1
{% endtest %}
