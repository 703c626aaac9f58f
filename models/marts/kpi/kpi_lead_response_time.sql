-- One row per lead created month (reporting time zone) x owning rep, from the first month with a lead to
-- the as-of month: leads assigned, answered, answered within the SLA (var lead_response_sla_minutes) and
-- the average and median minutes to the first response. Every month a lead-owning rep was employed appears
-- (zeros without leads), and so does any month a rep owns leads, even after leaving; leads without an
-- owner (or whose owner is not a kept rep) form the rows with rep_id NULL. Leads never answered count in
-- leads_assigned only. A response is the first outbound activity or sales email linked to the lead, as
-- the spec says: converting a lead is not a response (D34).
with

leads as (
    select * from {{ ref('fct_leads') }}
),

cohorts as (
    select
        created_month as month_start,
        owner_rep_id as rep_id,
        count(*) as leads_assigned,
        count(case when is_responded then 1 end) as leads_responded,
        count(case when is_responded_within_sla then 1 end) as leads_responded_within_sla,
        count(case when is_converted_before_first_touch then 1 end) as leads_converted_before_first_touch,
        sum(response_minutes) as total_response_minutes,
        -- DuckDB and PostgreSQL syntax; Spark would need percentile(response_minutes, 0.5). Interpolated
        -- as a double (DuckDB would interpolate in the column's decimal(18, 2) and cut 117.235 to 117.23),
        -- rounded to the cent in the final CTE
        percentile_cont(0.5) within group (
            order by cast(response_minutes as {{ type_double() }})
        ) as median_response_minutes
    from leads
    group by created_month, owner_rep_id
),

rep_month_rows as (
    {{ rep_month_spine('cohorts', only_active_reps=true) }}
),

cohorts_spined as (
    select
        rep_month_rows.month_start,
        rep_month_rows.rep_id,
        rep_month_rows.is_complete_month,
        rep_month_rows.rep_name,
        rep_month_rows.team,
        rep_month_rows.is_employed_in_month,
        {{ count_or_zero('cohorts.leads_assigned') }} as leads_assigned,
        {{ count_or_zero('cohorts.leads_responded') }} as leads_responded,
        {{ count_or_zero('cohorts.leads_responded_within_sla') }} as leads_responded_within_sla,
        {{ count_or_zero('cohorts.leads_converted_before_first_touch') }} as leads_converted_before_first_touch,
        cast(coalesce(cohorts.total_response_minutes, 0) as decimal(18, 2)) as total_response_minutes,
        cohorts.median_response_minutes
    from rep_month_rows
    left join cohorts
        on
            rep_month_rows.month_start = cohorts.month_start
            -- null-safe equality (the NULL rep is the unassigned / marketing row): an equality join, where
            -- `a = b or (a is null and b is null)` made DuckDB compare every pair (10 x slower at SF1)
            and rep_month_rows.rep_id is not distinct from cohorts.rep_id
),

final as (
    select
        month_start,
        rep_id,
        rep_name,
        team,
        is_complete_month,
        rep_id is null as is_unassigned,
        is_employed_in_month,
        leads_assigned,
        leads_responded,
        leads_assigned - leads_responded as leads_not_responded,
        leads_responded_within_sla,
        leads_converted_before_first_touch,
        {{ safe_divide('leads_responded', 'leads_assigned') }} as response_rate,
        {{ safe_divide('leads_responded_within_sla', 'leads_assigned') }} as responded_within_sla_rate,
        total_response_minutes,
        -- a double (safe_divide) to the cent through six decimals, as the median: 19.185 -> 19.19 on every
        -- engine (a double's binary value 19.18499... would round down on DuckDB)
        cast(cast({{ safe_divide('total_response_minutes', 'leads_responded') }} as decimal(38, 6)) as decimal(18, 2))
            as avg_response_minutes,
        -- the exact median of cent values has at most three decimals: six recover it from the double, then
        -- half away from zero to the cent on every engine (117.235 -> 117.24)
        cast(cast(median_response_minutes as decimal(38, 6)) as decimal(18, 2)) as median_response_minutes,
        {{ non_negative_int_var('lead_response_sla_minutes', 60) }} as sla_minutes
    from cohorts_spined
)

select * from final
