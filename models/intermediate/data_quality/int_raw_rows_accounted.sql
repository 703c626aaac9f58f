-- One row per raw contract table: the records of its file (loaded or rejected at load) and where each
-- loaded raw row went.

with

accounting as (
    {%- for table_name in crm_table_names() %}
    {{ crm_row_accounting(table_name) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        table_name,
        is_table_present,
        file_records,
        rejected_at_load_rows,
        raw_rows,
        staged_rows,
        superseded_rows,
        soft_deleted_rows,
        quarantined_rows,
        raw_rows - staged_rows - superseded_rows - soft_deleted_rows - quarantined_rows as unaccounted_rows
    from accounting
)

select * from final
