-- One row per quarantined raw row: which table, which key, why.

with

quarantined as (
    {%- for table_name in crm_table_names() %}
    select
        '{{ table_name }}' as table_name,
        _raw_key as raw_key,
        _row_hash as row_hash,
        _quarantine_reason as reason,
        _quarantine_detail as detail
    from {{ ref('base_crm__' ~ table_name) }}
    where _disposition = 'quarantined'
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        table_name,
        raw_key,
        row_hash,
        reason,
        detail
    from quarantined
)

select * from final
