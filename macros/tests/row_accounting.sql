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
