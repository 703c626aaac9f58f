{{ config(materialized='view') }}
{#- Headline KPIs: the names in var scorecard_kpis (macro scorecard_kpis() validates them). Each name maps
    to the KPI view it is read from (only those views are referenced), how its monthly value is computed
    (re-aggregated from numerators and denominators where the view has a finer grain), its unit, whether
    higher is better, and the company target metric it is compared with (revenue, bookings, new_accounts,
    deals_won; the others have no target in the contract). -#}
{%- set at_risk_ratio = scorecard_at_risk_ratio() -%}
{%- set definitions = {
    'revenue': {'model': 'kpi_revenue_monthly', 'value': 'sum(revenue)', 'unit': 'currency',
                'higher_is_better': true, 'additive': true, 'target_metric': 'revenue'},
    'revenue_mom_growth': {'model': 'kpi_sales_growth_monthly', 'value': 'max(mom_growth_rate)',
                           'unit': 'ratio', 'higher_is_better': true, 'additive': false},
    'bookings': {'model': 'kpi_bookings_monthly', 'value': 'sum(bookings)', 'unit': 'currency',
                 'higher_is_better': true, 'additive': true, 'target_metric': 'bookings'},
    'gross_margin_rate': {'model': 'kpi_profit_margin_monthly', 'value': 'max(gross_margin_rate)',
                          'unit': 'ratio', 'higher_is_better': true, 'additive': false},
    'weighted_pipeline': {'model': 'kpi_pipeline_by_stage', 'value': 'sum(weighted_pipeline_amount)',
                          'unit': 'currency', 'higher_is_better': true, 'additive': true},
    'win_rate': {'model': 'kpi_win_rate_monthly', 'value': 'max(win_rate)', 'unit': 'ratio',
                 'higher_is_better': true, 'additive': false},
    'avg_sales_cycle_days': {'model': 'kpi_sales_cycle_monthly',
                             'value': safe_divide('sum(total_cycle_days)', 'sum(won_deals)'),
                             'unit': 'days', 'higher_is_better': false, 'additive': false},
    'lead_conversion_rate': {'model': 'kpi_lead_conversion_by_channel',
                             'value': safe_divide('sum(leads_to_customer)', 'sum(leads)'),
                             'unit': 'ratio', 'higher_is_better': true, 'additive': false},
    'avg_response_minutes': {'model': 'kpi_lead_response_time',
                             'value': safe_divide('sum(total_response_minutes)', 'sum(leads_responded)'),
                             'unit': 'minutes', 'higher_is_better': false, 'additive': false},
    'email_open_rate': {'model': 'kpi_email_engagement',
                        'value': safe_divide('sum(unique_opens)', 'sum(emails_delivered)'),
                        'unit': 'ratio', 'higher_is_better': true, 'additive': false},
    'avg_purchase_value': {'model': 'kpi_average_purchase_value',
                           'value': safe_divide('sum(revenue)', 'sum(orders)'),
                           'unit': 'currency', 'higher_is_better': true, 'additive': false},
    'new_customers': {'model': 'kpi_customer_acquisition_cost', 'value': 'sum(new_customers)',
                      'where': "channel = 'all'", 'unit': 'count', 'higher_is_better': true,
                      'additive': true, 'target_metric': 'new_accounts'},
    'customer_churn_rate': {'model': 'kpi_customer_retention_monthly', 'value': 'max(churn_rate)',
                            'unit': 'ratio', 'higher_is_better': false, 'additive': false},
    'net_revenue_retention': {'model': 'kpi_customer_retention_monthly',
                              'value': 'max(net_revenue_retention)', 'unit': 'ratio',
                              'higher_is_better': true, 'additive': false},
    'cac': {'model': 'kpi_customer_acquisition_cost', 'value': 'max(cac)', 'where': "channel = 'all'",
            'unit': 'currency', 'higher_is_better': false, 'additive': false},
    'deals_won': {'model': 'kpi_win_rate_monthly', 'value': 'sum(deals_won)', 'unit': 'count',
                  'higher_is_better': true, 'additive': true, 'target_metric': 'deals_won'},
} -%}
{%- set kpis = scorecard_kpis() -%}
-- One row per month and headline KPI (var scorecard_kpis): the KPI's value, the previous month's value and
-- the change, and, for KPIs with a company target (revenue, bookings, new_customers, deals_won), the target
-- for the month (prorated by overlapping days), the target to date (for the as-of month: prorated up to
-- the as-of date) and a status: on_track (value >= target to date), at_risk (>= scorecard_at_risk_ratio
-- of it), off_track, or no_target. Each KPI runs from its own first month to the as-of month.
with

months as (
    select * from {{ ref('dim_months') }}
),

targets as (
    select * from {{ ref('fct_targets') }}
),

-- `value` is the column name the KPI definitions give (a keyword for the linter, hence the noqa marks)
kpi_values as (
    {%- for kpi in kpis %}
    {%- set d = definitions[kpi] %}
    select
        month_start,
        '{{ kpi }}' as kpi_name,
        cast({{ d['value'] }} as {{ dbt.type_float() }}) as value  -- noqa: RF04
    from {{ ref(d['model']) }}
    {%- if d.get('where') %}
    where {{ d['where'] }}
    {%- endif %}
    group by month_start
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

kpi_attributes as (
    {%- for kpi in kpis %}
    {%- set d = definitions[kpi] %}
    select
        '{{ kpi }}' as kpi_name,
        '{{ d["unit"] }}' as value_unit,
        {{ d['higher_is_better'] }} as is_higher_better,
        {{ d['additive'] }} as is_additive,
        {%- if d.get('target_metric') %}
        '{{ d["target_metric"] }}' as target_metric
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as target_metric
        {%- endif %}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

kpi_first_months as (
    select
        kpi_name,
        min(month_start) as first_month
    from kpi_values
    group by kpi_name
),

-- every month from the KPI's first month to the as-of month; a month missing from an additive KPI's view
-- counts 0, a missing ratio stays NULL
kpi_months as (
    select
        months.month_start,
        months.month_end,
        months.is_complete_month,
        months.as_of_date,
        kpi_attributes.kpi_name,
        kpi_attributes.value_unit,
        kpi_attributes.is_higher_better,
        kpi_attributes.target_metric,
        case
            when kpi_attributes.is_additive then coalesce(kpi_values.value, 0)
            else kpi_values.value
        end as value,  -- noqa: RF04
        cast({{ dbt.dateadd('month', -1, 'months.month_start') }} as date) as previous_month_start
    from kpi_attributes
    inner join kpi_first_months
        on kpi_attributes.kpi_name = kpi_first_months.kpi_name
    inner join months
        on kpi_first_months.first_month <= months.month_start
    left join kpi_values
        on
            kpi_attributes.kpi_name = kpi_values.kpi_name
            and months.month_start = kpi_values.month_start
),

-- company targets overlapping each month, prorated by overlapping days: whole month, and up to the as-of
-- date (the as-of day counts)
target_overlaps as (
    select
        kpi_months.kpi_name,
        kpi_months.month_start,
        targets.target_id,
        targets.period_grain,
        targets.target_value,
        targets.period_days,
        {{ days_between(
            'greatest(targets.period_start, kpi_months.month_start)',
            'least(targets.period_end, kpi_months.month_end)'
        ) | trim }} + 1 as overlap_days,
        {{ days_between(
            'greatest(targets.period_start, kpi_months.month_start)',
            'least(targets.period_end, kpi_months.month_end, kpi_months.as_of_date)'
        ) | trim }} + 1 as overlap_days_to_date
    from kpi_months
    inner join targets
        on
            kpi_months.target_metric = targets.metric
            and targets.scope = 'company'
            and kpi_months.month_end >= targets.period_start
            and kpi_months.month_start <= targets.period_end
),

-- when targets of several grains overlap a month (a yearly and a monthly target), the finest grain wins
target_grains_ranked as (
    select
        *,
        dense_rank() over (
            partition by kpi_name, month_start
            order by
                case period_grain
                    when 'month' then 1
                    when 'quarter' then 2
                    when 'year' then 3
                    else 4
                end
        ) as grain_rank
    from target_overlaps
),

monthly_targets as (
    select
        kpi_name,
        month_start,
        sum(target_value * overlap_days / period_days) as target_value,
        sum(
            case
                when overlap_days_to_date > 0 then target_value * overlap_days_to_date / period_days
                else 0
            end
        ) as target_value_to_date
    from target_grains_ranked
    where grain_rank = 1
    group by kpi_name, month_start
),

compared as (
    select
        kpi_months.*,
        previous.value as previous_value,
        cast(monthly_targets.target_value as decimal(18, 2)) as target_value,
        cast(monthly_targets.target_value_to_date as decimal(18, 2)) as target_value_to_date
    from kpi_months
    left join kpi_months as previous
        on
            kpi_months.kpi_name = previous.kpi_name
            and kpi_months.previous_month_start = previous.month_start
    left join monthly_targets
        on
            kpi_months.kpi_name = monthly_targets.kpi_name
            and kpi_months.month_start = monthly_targets.month_start
),

final as (
    select
        month_start,
        kpi_name,
        is_complete_month,
        is_higher_better,
        value_unit,
        target_metric,
        case
            when target_value_to_date is null then 'no_target'
            when value >= target_value_to_date then 'on_track'
            when value >= {{ at_risk_ratio }} * target_value_to_date then 'at_risk'
            else 'off_track'
        end as status,
        value,
        previous_value,
        {{ growth_rate('value', 'previous_value') }} as change_rate,
        target_value,
        target_value_to_date,
        {{ safe_divide('value', 'target_value') }} as attainment_rate,
        {{ safe_divide('value', 'target_value_to_date') }} as pacing_rate
    from compared
)

select * from final
