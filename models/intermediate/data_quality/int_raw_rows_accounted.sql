-- One row per raw contract table: where each raw row went.

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
        raw_rows,
        staged_rows,
        superseded_rows,
        soft_deleted_rows,
        quarantined_rows,
        raw_rows - staged_rows - superseded_rows - soft_deleted_rows - quarantined_rows as unaccounted_rows
    from accounting
)

select * from final
