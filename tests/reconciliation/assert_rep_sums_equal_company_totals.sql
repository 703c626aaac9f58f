-- Rep-level KPIs add up to company totals computed straight from the facts, month by month.
--   kpi_sales_per_rep: revenue = net invoiced revenue with a credited rep (fct_revenue_events), bookings =
--   booked orders with a credited rep (fct_orders), deals_won = won deals (fct_opportunities, owner rep).
--   kpi_pipeline_generated_per_rep: opportunities_created and pipeline_created_amount = opportunities by
--   creation month (owner rep), leads_created = leads with an owner (fct_leads).
-- Excluded on both sides by definition: revenue and bookings with no credited rep, leads without owner,
-- anything dated after the as-of date, and months outside dim_months. A rep row for a month a rep was not
-- employed is kept by the views precisely so that these sums hold.
-- Returns one row per month and measure that does not reconcile.
with

months as (
    select month_start from {{ ref('dim_months') }}
),

company_revenue as (
    select
        event_month as month_start,
        sum(revenue) as revenue
    from {{ ref('fct_revenue_events') }}
    where credited_rep_id is not null and event_date <= {{ as_of_date() }}
    group by event_month
),

company_bookings as (
    select
        ordered_month as month_start,
        sum(order_amount) as bookings
    from {{ ref('fct_orders') }}
    where is_booked and credited_rep_id is not null and ordered_date <= {{ as_of_date() }}
    group by ordered_month
),

company_deals_won as (
    select
        closed_month as month_start,
        count(*) as deals_won
    from {{ ref('fct_opportunities') }}
    where is_won and owner_rep_id is not null and closed_date <= {{ as_of_date() }}
    group by closed_month
),

company_pipeline as (
    select
        created_month as month_start,
        count(*) as opportunities_created,
        sum(amount) as pipeline_created_amount
    from {{ ref('fct_opportunities') }}
    where owner_rep_id is not null and created_date <= {{ as_of_date() }}
    group by created_month
),

company_leads as (
    select
        created_month as month_start,
        count(*) as leads_created
    from {{ ref('fct_leads') }}
    where owner_rep_id is not null and created_date <= {{ as_of_date() }}
    group by created_month
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
