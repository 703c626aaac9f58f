{#- The staging invariant for one raw table:
    records in the file = loaded (raw) rows + rows rejected at load (when the loader loaded a file), and
    raw rows = staged rows + superseded duplicates + soft-deleted rows + quarantined rows.
    Apply it to a staging model: `- raw_rows_accounted_for: {arguments: {table_name: leads}}`. -#}
{% test raw_rows_accounted_for(model, table_name) %}
    with

    accounting as (
        {{ crm_row_accounting(table_name) }}
    )

    select *
    from accounting
    where raw_rows != staged_rows + superseded_rows + soft_deleted_rows + quarantined_rows
        or file_records != raw_rows + rejected_at_load_rows
{% endtest %}

{#- A CRM adapter keeps every landed row: the adapter model (one contract table) has as many rows as the
    landed objects it maps (`landed`: a list of object names of the CRM in use), counting only the landed
    rows `landed_where` selects when the mapping keeps a documented subset (for example the contacts that
    are leads). A deleted landed row is a contract row with is_deleted = true, never dropped. Apply it to
    an adapter model: `- adapter_rows_match_landed: {arguments: {landed: [task, event]}}`. -#}
{% test adapter_rows_match_landed(model, landed, landed_where=none) %}
    {%- set crm = crm_source_name() %}
    with

    landed_counts as (
        {%- for object_name in landed %}
        select count(*) as landed_rows
        from {{ crm_landed(crm, object_name) }} as landed_rows
        {%- if landed_where %}
        where {{ landed_where }}
        {%- endif %}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ),

    counts as (
        select
            (select sum(landed_rows) from landed_counts) as landed_rows,
            (select count(*) from {{ model }}) as adapter_rows
    )

    select *
    from counts
    where landed_rows != adapter_rows
{% endtest %}
