-- Every raw accounts row, typed and classified (kept / superseded / soft_deleted / quarantined).
{{ config(**crm_incremental_config('account_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'accounts',
        lower=['industry', 'segment'],
        upper=['country_code'],
        collapse=['account_name', 'region', 'city'],
        incremental=true,
    ) }}
),

final as (
    select
        typed_rows.*,
        {{ crm_disposition([
            crm_future_rule(['created_at']),
        ]) }}
    from typed_rows
)

select * from final
