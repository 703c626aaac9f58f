-- Every raw currency_rates row, typed and classified (kept / superseded / quarantined), with its load batch:
-- an incremental night finds the rates that changed since a money model last ran (D134).
with

typed_rows as (
    {{ crm_typed_rows('currency_rates', upper=['currency_code'], required=['rate_to_reporting'], load_batch=true) }}
),

final as (
    select
        typed_rows.*,
        {{ crm_disposition([
            {'when': 'rate_to_reporting <= 0', 'reason': 'negative_value'},
        ], soft_delete=false) }}
    from typed_rows
)

select * from final
