{#- Generic tests that dbt-utils / dbt-expectations would give (the hub cannot be reached here). -#}

{#- When a row breaks a rule: one definition per rule kind, used by the one-rule tests below and by
    row_rules, which checks many rules of a model in one scan. -#}
{% macro rule_expression_fails(expression) -%}
    not coalesce({{ expression }}, false)
{%- endmacro %}

{% macro rule_ratio_mismatches(column_name, numerator, denominator, tolerance=0.000001) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then {{ column_name }} is not null
        else
            {{ column_name }} is null
            or abs({{ column_name }} - {{ numerator }} * 1.0 / {{ denominator }}) > {{ tolerance }}
    end
{%- endmacro %}

{% macro rule_out_of_range(column_name, min_value=none, max_value=none, inclusive=true) -%}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("a range needs min_value or max_value") }}
    {%- endif -%}
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
{%- endmacro %}

{#- Every row satisfies a boolean SQL expression (rows where it is false or NULL fail). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where {{ rule_expression_fails((column_name ~ ' ' if column_name else '') ~ expression) }}
{% endtest %}

{#- Values lie within [min_value, max_value]; either bound may be omitted. NULLs pass. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select {{ column_name }}
    from {{ model }}
    where {{ rule_out_of_range(column_name, min_value, max_value, inclusive) }}
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
    where {{ rule_ratio_mismatches(column_name, numerator, denominator, tolerance) }}
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

{#- Many row rules of one model in one scan (D122, D124). A view is recomputed by every query on it, and
    every test is a dbt node with its own start-up, so one test per rule scanned a model once per rule: 133
    tests on the 20 KPI views took 24 s of 62 s of test time at SF1. The rules, each with the meaning of its
    one-rule test:
      expressions: boolean SQL that every row satisfies (expression_is_true: false or NULL fails);
      ratios: {column, numerator, denominator[, tolerance]} (ratio_matches_parts);
      accepted_values: {column: [values]} (text values; NULL passes, as in dbt's accepted_values);
      ranges: {column, min_value and/or max_value[, inclusive]} (accepted_range: NULL passes);
      non_negative: [columns] (non_negative_columns: NULL passes);
      not_null: [columns] (not_null_columns);
      relationships: {column, to, field[, where]} (dbt's relationships: a non-NULL value must be a `field` of
        `to`; with `where`, only in the rows where that condition holds, as the test's `where` config does).
    A relationship is a left join to the parent's distinct keys (one row per key, so the model's rows are
    neither lost nor repeated), not a subquery inside the count, which Spark does not run (D128).
    A failing row names the rule and how many rows break it. -#}
{% test row_rules(model, expressions=[], ratios=[], accepted_values={}, ranges=[], non_negative=[], not_null=[],
                  relationships=[]) %}
    {%- set rules = [] -%}
    {%- for expression in expressions -%}
        {%- do rules.append(('expression: ' ~ expression, rule_expression_fails(expression))) -%}
    {%- endfor -%}
    {%- for ratio in ratios -%}
        {%- do rules.append((
            'ratio: ' ~ ratio.column ~ ' = ' ~ ratio.numerator ~ ' / ' ~ ratio.denominator,
            rule_ratio_mismatches(ratio.column, ratio.numerator, ratio.denominator, ratio.get('tolerance', 0.000001))
        )) -%}
    {%- endfor -%}
    {%- for column, values in accepted_values.items() -%}
        {%- set quoted = [] -%}
        {%- for value in values -%}{%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
        {%- do rules.append(('accepted values: ' ~ column, column ~ ' not in (' ~ quoted | join(', ') ~ ')')) -%}
    {%- endfor -%}
    {%- for range in ranges -%}
        {%- set inclusive = range.get('inclusive', true) -%}
        {%- set bounds = [] -%}
        {%- if range.get('min_value') is not none -%}
            {%- do bounds.append(range.column ~ (' >= ' if inclusive else ' > ') ~ range.min_value) -%}
        {%- endif -%}
        {%- if range.get('max_value') is not none -%}
            {%- do bounds.append(range.column ~ (' <= ' if inclusive else ' < ') ~ range.max_value) -%}
        {%- endif -%}
        {%- do rules.append((
            'range: ' ~ bounds | join(' and '),
            rule_out_of_range(range.column, range.get('min_value'), range.get('max_value'), inclusive)
        )) -%}
    {%- endfor -%}
    {%- for column in non_negative -%}
        {%- do rules.append(('non-negative: ' ~ column, column ~ ' < 0')) -%}
    {%- endfor -%}
    {%- for column in not_null -%}
        {%- do rules.append(('not null: ' ~ column, column ~ ' is null')) -%}
    {%- endfor -%}
    {%- for relationship in relationships -%}
        {%- set parent = relationship.to.identifier if relationship.to.identifier is defined else relationship.to -%}
        {%- set only_where = relationship.get('where') -%}
        {%- do rules.append((
            'relationship: ' ~ relationship.column ~ ' in ' ~ parent ~ '.' ~ relationship.field
            ~ (' where ' ~ only_where if only_where else ''),
            ('(' ~ only_where ~ ') and ' if only_where else '')
            ~ 'checked_rows.' ~ relationship.column ~ ' is not null and parent_keys_' ~ loop.index
            ~ '.parent_key is null'
        )) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error("row_rules needs at least one rule") }}
    {%- endif %}
    with
    {% for relationship in relationships %}
    parent_keys_{{ loop.index }} as (
        select distinct {{ relationship.field }} as parent_key
        from {{ relationship.to }}
    ),
    {% endfor %}
    rule_counts as (
        select
            {%- for label, fails in rules %}
            count(case when {{ fails }} then 1 end) as failing_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }} as checked_rows
        {%- for relationship in relationships %}
        left join parent_keys_{{ loop.index }}
            on checked_rows.{{ relationship.column }} = parent_keys_{{ loop.index }}.parent_key
        {%- endfor %}
    ),

    rule_names as (
        {%- for label, fails in rules %}
        select {{ loop.index }} as rule_id, '{{ label | replace("'", "") | replace("\\", "") }}' as rule_name
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ),

    broken_rules as (
        select
            rule_names.rule_name,
            case rule_names.rule_id
                {%- for label, fails in rules %}
                when {{ loop.index }} then rule_counts.failing_{{ loop.index }}
                {%- endfor %}
            end as failing_rows
        from rule_counts
        cross join rule_names
    )

    select *
    from broken_rules
    where failing_rows > 0
{% endtest %}
