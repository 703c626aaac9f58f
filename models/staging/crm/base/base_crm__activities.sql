-- Every raw activities row, typed and classified (kept / superseded / soft_deleted / quarantined). An
-- activity without a type is still a touch: kept and flagged.
-- Incremental on DuckDB (D119): a night reads only the keys an --append load brought, see crm_typed_rows.
{{ config(**crm_incremental_config('activity_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'activities',
        lower=['activity_type', 'direction', 'outcome'],
        required=['occurred_at'],
        incremental=true,
    ) }}
),

dispositioned as (
    select
        typed_rows.*,
        {{ crm_disposition([
            {'when': "direction not in ('inbound', 'outbound')", 'reason': 'unknown_label', 'detail': 'direction'},
            crm_negative_rule(['duration_seconds']),
            crm_future_rule(['occurred_at']),
        ]) }}
    from typed_rows
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('activities') }}
    from dispositioned
)

select * from final
