-- Every credit has a rep (the unassigned rep when no rep resolves, D30), so the rep views add up to the
-- company views, month by month, whatever the attribution:
--   kpi_sales_per_rep: revenue = kpi_revenue_monthly.revenue, bookings = kpi_bookings_monthly.bookings,
--   deals_won = kpi_win_rate_monthly.deals_won;
--   kpi_pipeline_generated_per_rep: opportunities_created and pipeline_created_amount = the staged
--   opportunities created by the as-of date (their amount at the as-of date, fct_opportunities), and
--   leads_created = the staged leads created by then whose owner is a kept rep (stg_crm__sales_reps).
-- The company side never goes through a rep: a credit dropped or doubled by the rep views shows here.
-- Returns one row per month and measure that does not reconcile.
with

months as (
    select month_start from {{ ref('dim_months') }}
),

company_revenue as (
    select
        month_start,
        revenue
    from {{ ref('kpi_revenue_monthly') }}
),

company_bookings as (
    select
        month_start,
        bookings
    from {{ ref('kpi_bookings_monthly') }}
),

company_deals_won as (
    select
        month_start,
        deals_won
    from {{ ref('kpi_win_rate_monthly') }}
),

company_pipeline as (
    select
        {{ reporting_month('staged.created_at') }} as month_start,
        count(*) as opportunities_created,
        sum(facts.amount) as pipeline_created_amount
    from {{ ref('stg_crm__opportunities') }} as staged
    left join {{ ref('fct_opportunities') }} as facts
        on staged.opportunity_id = facts.opportunity_id
    where {{ reporting_date('staged.created_at') }} <= {{ as_of_date() }}
    group by {{ reporting_month('staged.created_at') }}
),

company_leads as (
    select
        {{ reporting_month('leads.created_at') }} as month_start,
        count(*) as leads_created
    from {{ ref('stg_crm__leads') }} as leads
    inner join {{ ref('stg_crm__sales_reps') }} as reps
        on leads.owner_rep_id = reps.rep_id
    where {{ reporting_date('leads.created_at') }} <= {{ as_of_date() }}
    group by {{ reporting_month('leads.created_at') }}
),

rep_sales as (
    select
        month_start,
        sum(revenue) as revenue,
        sum(bookings) as bookings,
        sum(deals_won) as deals_won
    from {{ ref('kpi_sales_per_rep') }}
    group by month_start
),

rep_pipeline as (
    select
        month_start,
        sum(leads_created) as leads_created,
        sum(opportunities_created) as opportunities_created,
        sum(pipeline_created_amount) as pipeline_created_amount
    from {{ ref('kpi_pipeline_generated_per_rep') }}
    group by month_start
),

compared as (
    select
        months.month_start,
        coalesce(company_revenue.revenue, 0) as company_revenue,
        coalesce(rep_sales.revenue, 0) as rep_revenue,
        coalesce(company_bookings.bookings, 0) as company_bookings,
        coalesce(rep_sales.bookings, 0) as rep_bookings,
        coalesce(company_deals_won.deals_won, 0) as company_deals_won,
        coalesce(rep_sales.deals_won, 0) as rep_deals_won,
        coalesce(company_pipeline.opportunities_created, 0) as company_opportunities_created,
        coalesce(rep_pipeline.opportunities_created, 0) as rep_opportunities_created,
        coalesce(company_pipeline.pipeline_created_amount, 0) as company_pipeline_created_amount,
        coalesce(rep_pipeline.pipeline_created_amount, 0) as rep_pipeline_created_amount,
        coalesce(company_leads.leads_created, 0) as company_leads_created,
        coalesce(rep_pipeline.leads_created, 0) as rep_leads_created
    from months
    left join company_revenue on months.month_start = company_revenue.month_start
    left join company_bookings on months.month_start = company_bookings.month_start
    left join company_deals_won on months.month_start = company_deals_won.month_start
    left join company_pipeline on months.month_start = company_pipeline.month_start
    left join company_leads on months.month_start = company_leads.month_start
    left join rep_sales on months.month_start = rep_sales.month_start
    left join rep_pipeline on months.month_start = rep_pipeline.month_start
),

final as (
    select
        month_start,
        'revenue' as measure,
        company_revenue as company_total,
        rep_revenue as rep_sum
    from compared
    where abs(company_revenue - rep_revenue) > 0.001

    union all

    select
        month_start,
        'bookings' as measure,
        company_bookings as company_total,
        rep_bookings as rep_sum
    from compared
    where abs(company_bookings - rep_bookings) > 0.001

    union all

    select
        month_start,
        'deals_won' as measure,
        company_deals_won as company_total,
        rep_deals_won as rep_sum
    from compared
    where company_deals_won <> rep_deals_won

    union all

    select
        month_start,
        'opportunities_created' as measure,
        company_opportunities_created as company_total,
        rep_opportunities_created as rep_sum
    from compared
    where company_opportunities_created <> rep_opportunities_created

    union all

    select
        month_start,
        'pipeline_created_amount' as measure,
        company_pipeline_created_amount as company_total,
        rep_pipeline_created_amount as rep_sum
    from compared
    where abs(company_pipeline_created_amount - rep_pipeline_created_amount) > 0.001

    union all

    select
        month_start,
        'leads_created' as measure,
        company_leads_created as company_total,
        rep_leads_created as rep_sum
    from compared
    where company_leads_created <> rep_leads_created
)

select * from final
