-- One row per rep and month in which the rep was employed for at least one day (within dim_months).
-- Reps without a hire date count from the first month; reps who left stop after their last month. The
-- unassigned member of dim_reps is never employed.
with

reps as (
    select * from {{ ref('dim_reps') }}
    where not is_unassigned
),

months as (
    select * from {{ ref('dim_months') }}
),

final as (
    select
        reps.rep_id,
        months.month_start,
        reps.team,
        months.is_complete_month
    from reps
    inner join months
        on
            (reps.hired_date is null or reps.hired_date <= months.month_end)
            and (reps.left_date is null or reps.left_date >= months.month_start)
)

select * from final
