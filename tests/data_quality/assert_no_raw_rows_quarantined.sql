-- A warning, not an error: one failing row per raw row that staging quarantined, with its table, key and
-- the first rule it broke (docs/staging_rules.md). Raw data is messy by design; this test puts the count in
-- dbt's output, where the raw tables' own tests used to report missing keys, values that do not parse and
-- rejected labels one rule at a time, each scanning every raw row again (D137). Staging has already checked
-- every rule on every row; this reads its result, a few rows per thousand. Fix the source data or a mapping
-- seed and rerun; int_raw_rows_accounted says where every other raw row went.
{{ config(severity='warn') }}

select
    table_name,
    raw_key,
    reason,
    detail
from {{ ref('int_raw_rows_quarantined') }}
