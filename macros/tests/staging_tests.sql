{#- Generic tests for guarantees the staging layer makes (docs/staging_rules.md). -#}

{#- An event timestamp is not later than today (wall clock) plus the grace days (rule future_timestamp). -#}
{% test not_in_future(model, column_name) %}
    {%- set rule = crm_future_rule([column_name]) %}
    select {{ column_name }}
    from {{ model }}
    where {{ rule.when }}
{% endtest %}

{#- A foreign key check that, like staging, is skipped when the parent's optional raw table is absent
    (order lines and subscriptions -> products). -#}
{% test relationships_if_present(model, column_name, to, field, raw_table) %}
    {%- if crm_table_exists(raw_table) %}
    with child as (
        select * from {{ model }}
    )

    select child.{{ column_name }}
    from child
    left join {{ to }} as parent on child.{{ column_name }} = parent.{{ field }}
    where child.{{ column_name }} is not null and parent.{{ field }} is null
    {%- else %}
    select 1 as absent_parent_table where 1 = 0
    {%- endif %}
{% endtest %}

{#- Labels are unique once normalised as staging matches them (lower case, trimmed, inner whitespace
    collapsed): a mapping seed with two rows for one normalised label would duplicate the rows joined to it. -#}
{% test unique_normalized_label(model, column_name) %}
    select
        {{ normalize_label(column_name) }} as normalized_label,
        count(*) as n_records
    from {{ model }}
    group by {{ normalize_label(column_name) }}
    having count(*) > 1
{% endtest %}
