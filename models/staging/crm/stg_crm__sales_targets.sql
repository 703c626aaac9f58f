-- One row per target (rep, team or company), money targets converted to the reporting currency.
with

kept_targets as (
    select * from {{ ref('base_crm__sales_targets') }}
    where _disposition = 'kept'
),

final as (
    select
        target_id,
        rep_id,
        team,
        metric,
        is_money_metric,
        is_rep_unresolved,
        target_value,
        case when is_money_metric then currency_code end as currency_code,
        rate_to_reporting,
        case
            when is_money_metric then {{ to_reporting('target_value') }}
            else target_value
        end as target_value_reporting,
        period_start,
        period_end
        {{ crm_extra_columns_after('sales_targets') }}  -- noqa: LT02
    from kept_targets
)

select * from final
