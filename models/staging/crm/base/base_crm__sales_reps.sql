-- Every raw sales_reps row, typed and classified (kept / superseded / quarantined).
{{ config(**crm_incremental_config('rep_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'sales_reps',
        lower=['role', 'email'],
        collapse=['full_name', 'team', 'region'],
        incremental=true,
    ) }}
),

final as (
    select
        typed_rows.*,
        {{ crm_disposition([
            {'when': 'left_date < hired_date', 'reason': 'end_before_start'},
        ], soft_delete=false) }}
    from typed_rows
)

select * from final
