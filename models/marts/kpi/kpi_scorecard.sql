-- One row per month and headline KPI (var scorecard_kpis): the KPI's value, the previous month's value and
-- the change, and, for KPIs with a company target (revenue, bookings, new_customers, deals_won), the target
-- for the month and to date (int_target_months: prorated by overlapping days, finest grain) and a status:
-- on_track (value >= target to date), at_risk (>= scorecard_at_risk_ratio of it), off_track, or no_target.
-- Each KPI runs from its own first month to the as-of month; a KPI whose inputs are absent has no rows.
-- The change is given as a difference (change_value: for a ratio, in points of the fraction, 0.20 -> 0.25
-- is +0.05) and relative (change_rate). The as-of month is incomplete: its value is month to date against
-- a full previous month, flagged by is_partial_comparison (D40).
-- Every headline KPI is computed below in plain SQL from its view, re-aggregated from numerators and
-- denominators where the view has a finer grain; new_customers counts customers acquired in the month
-- (dim_accounts), so it is shown even when no cost data was loaded for the CAC view (D38).
with

months as (
    select * from {{ ref('dim_months') }}
),

target_months as (
    select * from {{ ref('int_target_months') }}
    where scope = 'company' and is_finest_grain
),

customers as (
    select * from {{ ref('dim_accounts') }}
    where is_customer
),

-- kpi_name, the unit of its value, whether higher is better, whether months without data count 0, and
-- the company target metric it is compared with
kpi_attributes as (
    select
        attributes.kpi_name,
        attributes.value_unit,
        attributes.is_higher_better,
        attributes.is_additive,
        attributes.target_metric
    from (
        values
        ('revenue', 'currency', true, true, 'revenue'),
        ('revenue_mom_growth', 'ratio', true, false, null),
        ('bookings', 'currency', true, true, 'bookings'),
        ('gross_margin_rate', 'ratio', true, false, null),
        ('weighted_pipeline', 'currency', true, true, null),
        ('win_rate', 'ratio', true, false, null),
        ('avg_sales_cycle_days', 'days', false, false, null),
        ('lead_conversion_rate', 'ratio', true, false, null),
        ('avg_response_minutes', 'minutes', false, false, null),
        ('email_open_rate', 'ratio', true, false, null),
        ('avg_purchase_value', 'currency', true, false, null),
        ('new_customers', 'count', true, true, 'new_accounts'),
        ('customer_churn_rate', 'ratio', false, false, null),
        ('net_revenue_retention', 'ratio', true, false, null),
        ('cac', 'currency', false, false, null),
        ('deals_won', 'count', true, true, 'deals_won')
    ) as attributes (kpi_name, value_unit, is_higher_better, is_additive, target_metric)
),

-- the headline KPIs of this project (var scorecard_kpis, validated by the macro scorecard_kpis)
selected_kpis as (
    select * from kpi_attributes
    where kpi_name in (
        {%- for kpi in scorecard_kpis() %}
        '{{ kpi }}'{{ "," if not loop.last }}
        {%- endfor %}
    )
),

all_kpi_values as (
    select
        month_start,
        'revenue' as kpi_name,
        sum(revenue) as kpi_value
    from {{ ref('kpi_revenue_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'revenue_mom_growth' as kpi_name,
        max(mom_growth_rate) as kpi_value
    from {{ ref('kpi_sales_growth_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'bookings' as kpi_name,
        sum(bookings) as kpi_value
    from {{ ref('kpi_bookings_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'gross_margin_rate' as kpi_name,
        max(gross_margin_rate) as kpi_value
    from {{ ref('kpi_profit_margin_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'weighted_pipeline' as kpi_name,
        sum(weighted_pipeline_amount) as kpi_value
    from {{ ref('kpi_pipeline_by_stage') }}
    group by month_start

    union all

    select
        month_start,
        'win_rate' as kpi_name,
        max(win_rate) as kpi_value
    from {{ ref('kpi_win_rate_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'avg_sales_cycle_days' as kpi_name,
        {{ safe_divide('sum(total_cycle_days)', 'sum(won_deals_with_cycle)') }} as kpi_value
    from {{ ref('kpi_sales_cycle_monthly') }}
    where is_all_segments
    group by month_start

    union all

    select
        month_start,
        'lead_conversion_rate' as kpi_name,
        {{ safe_divide('sum(leads_to_customer)', 'sum(leads)') }} as kpi_value
    from {{ ref('kpi_lead_conversion_by_channel') }}
    group by month_start

    union all

    select
        month_start,
        'avg_response_minutes' as kpi_name,
        {{ safe_divide('sum(total_response_minutes)', 'sum(leads_responded)') }} as kpi_value
    from {{ ref('kpi_lead_response_time') }}
    group by month_start

    union all

    select
        month_start,
        'email_open_rate' as kpi_name,
        {{ safe_divide('sum(unique_opens)', 'sum(emails_delivered)') }} as kpi_value
    from {{ ref('kpi_email_engagement') }}
    group by month_start

    union all

    select
        month_start,
        'avg_purchase_value' as kpi_name,
        {{ safe_divide('sum(revenue)', 'sum(orders)') }} as kpi_value
    from {{ ref('kpi_average_purchase_value') }}
    group by month_start

    union all

    select
        acquisition_month as month_start,
        'new_customers' as kpi_name,
        count(*) as kpi_value
    from customers
    group by acquisition_month

    union all

    select
        month_start,
        'customer_churn_rate' as kpi_name,
        max(churn_rate) as kpi_value
    from {{ ref('kpi_customer_retention_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'net_revenue_retention' as kpi_name,
        max(net_revenue_retention) as kpi_value
    from {{ ref('kpi_customer_retention_monthly') }}
    group by month_start

    union all

    select
        month_start,
        'cac' as kpi_name,
        max(cac) as kpi_value
    from {{ ref('kpi_customer_acquisition_cost') }}
    where is_blended
    group by month_start

    union all

    select
        month_start,
        'deals_won' as kpi_name,
        sum(deals_won) as kpi_value
    from {{ ref('kpi_win_rate_monthly') }}
    group by month_start
),

kpi_values as (
    select
        all_kpi_values.month_start,
        all_kpi_values.kpi_name,
        cast(all_kpi_values.kpi_value as decimal(38, 12)) as kpi_value
    from all_kpi_values
    inner join selected_kpis
        on all_kpi_values.kpi_name = selected_kpis.kpi_name
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
        months.is_complete_month,
        months.is_as_of_month,
        selected_kpis.kpi_name,
        selected_kpis.value_unit,
        selected_kpis.is_higher_better,
        selected_kpis.target_metric,
        -- cast again: the scale must survive coalesce on every engine (PostgreSQL drops it)
        cast(
            case
                when selected_kpis.is_additive then coalesce(kpi_values.kpi_value, 0)
                else kpi_values.kpi_value
            end as decimal(38, 12)
        ) as kpi_value,
        cast({{ dbt.dateadd('month', -1, 'months.month_start') }} as date) as previous_month_start
    from selected_kpis
    inner join kpi_first_months
        on selected_kpis.kpi_name = kpi_first_months.kpi_name
    inner join months
        on kpi_first_months.first_month <= months.month_start
    left join kpi_values
        on
            selected_kpis.kpi_name = kpi_values.kpi_name
            and months.month_start = kpi_values.month_start
),

monthly_targets as (
    select
        metric,
        month_start,
        sum(month_target_value) as target_value,
        sum(month_target_value_to_date) as target_value_to_date
    from target_months
    group by metric, month_start
),

compared as (
    select
        kpi_months.*,
        previous.kpi_value as previous_value,
        monthly_targets.target_value,
        monthly_targets.target_value_to_date
    from kpi_months
    left join kpi_months as previous
        on
            kpi_months.kpi_name = previous.kpi_name
            and kpi_months.previous_month_start = previous.month_start
    left join monthly_targets
        on
            kpi_months.target_metric = monthly_targets.metric
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
            when kpi_value >= target_value_to_date then 'on_track'
            when kpi_value >= {{ scorecard_at_risk_ratio() }} * target_value_to_date then 'at_risk'
            else 'off_track'
        end as status,
        kpi_value as value,  -- noqa: RF04
        previous_value,
        cast(kpi_value - previous_value as decimal(38, 12)) as change_value,
        {{ growth_rate('kpi_value', 'previous_value') }} as change_rate,
        -- the as-of month is month to date, its previous month complete
        is_as_of_month and previous_value is not null as is_partial_comparison,
        cast(target_value as decimal(18, 2)) as target_value,
        cast(target_value_to_date as decimal(18, 2)) as target_value_to_date,
        {{ safe_divide('kpi_value', 'target_value') }} as attainment_rate,
        {{ safe_divide('kpi_value', 'target_value_to_date') }} as pacing_rate
    from compared
)

select * from final
