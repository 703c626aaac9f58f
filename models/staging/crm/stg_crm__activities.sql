-- One row per sales activity (call, meeting, email, demo, task): current, valid, not deleted.
with

kept_activities as (
    select * from {{ ref('base_crm__activities') }}
    where _disposition = 'kept'
),

final as (
    select
        activity_id,
        rep_id,
        lead_id,
        contact_id,
        account_id,
        opportunity_id,
        activity_type,
        direction,
        outcome,
        is_activity_type_missing,
        duration_seconds,
        occurred_at
        {{ crm_extra_columns_after('activities') }}  -- noqa: LT02
    from kept_activities
)

select * from final
