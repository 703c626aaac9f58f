-- Every raw activities row, typed and classified (kept / superseded / soft_deleted / quarantined).
with

typed_rows as (
    {{ crm_typed_rows(
        'activities',
        lower=['activity_type', 'direction', 'outcome'],
        required=['occurred_at', 'activity_type'],
    ) }}
),

final as (
    select
        typed_rows.*,
        {{ crm_disposition([
            {'when': "direction not in ('inbound', 'outbound')", 'reason': 'unknown_label', 'detail': 'direction'},
            crm_negative_rule(['duration_seconds']),
            crm_future_rule(['occurred_at']),
        ]) }}
    from typed_rows
)

select * from final
