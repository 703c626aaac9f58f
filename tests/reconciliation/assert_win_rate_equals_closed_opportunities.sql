-- kpi_win_rate_monthly accounts, month by month, for every deal closed by the as-of date, recounted from
-- staging where staging alone can tell: a deal is settled when its record is closed, it was created and
-- closed by the as-of date, and nothing about it changed after (updated_at and every stage-history entry by
-- then); its outcome, close month and amount are then the record's (stg_crm__opportunities). The few deals
-- that changed after the as-of date (closed then, reopened or re-closed later) are taken from
-- fct_opportunities, which rebuilds their stage at the as-of date. Deals won + lost and the won / lost
-- amounts must match. Returns the months that disagree.
with

history_after_as_of as (
    select distinct opportunity_id
    from {{ ref('stg_crm__opportunity_stage_history') }}
    where {{ reporting_date('entered_at') }} > {{ as_of_date() }}
),

settled_deals as (
    select
        staged.opportunity_id,
        staged.is_won,
        staged.amount_reporting as amount,
        {{ reporting_month('staged.closed_at') }} as closed_month
    from {{ ref('stg_crm__opportunities') }} as staged
    left join history_after_as_of
        on staged.opportunity_id = history_after_as_of.opportunity_id
    where
        staged.is_closed
        and {{ reporting_date('staged.created_at') }} <= {{ as_of_date() }}
        and {{ reporting_date('staged.closed_at') }} <= {{ as_of_date() }}
        and {{ reporting_date('coalesce(staged.updated_at, staged.closed_at)') }} <= {{ as_of_date() }}
        and history_after_as_of.opportunity_id is null
),

unsettled_deals as (
    select
        facts.opportunity_id,
        facts.is_won,
        facts.amount,
        facts.closed_month
    from {{ ref('fct_opportunities') }} as facts
    left join settled_deals
        on facts.opportunity_id = settled_deals.opportunity_id
    where facts.is_closed and settled_deals.opportunity_id is null
),

closed_deals as (
    select * from settled_deals
    union all
    select * from unsettled_deals
),

expected_outcomes as (
    select
        closed_month as month_start,
        count(case when is_won then 1 end) as deals_won,
        count(case when not is_won then 1 end) as deals_lost,
        coalesce(sum(case when is_won then amount end), 0) as won_amount,
        coalesce(sum(case when not is_won then amount end), 0) as lost_amount
    from closed_deals
    group by closed_month
),

kpi_win_rate as (
    select * from {{ ref('kpi_win_rate_monthly') }}
),

final as (
    select
        coalesce(kpi_win_rate.month_start, expected_outcomes.month_start) as month_start,
        coalesce(kpi_win_rate.deals_won, 0) as kpi_deals_won,
        coalesce(expected_outcomes.deals_won, 0) as expected_deals_won,
        coalesce(kpi_win_rate.deals_lost, 0) as kpi_deals_lost,
        coalesce(expected_outcomes.deals_lost, 0) as expected_deals_lost,
        coalesce(kpi_win_rate.won_amount, 0) as kpi_won_amount,
        coalesce(expected_outcomes.won_amount, 0) as expected_won_amount,
        coalesce(kpi_win_rate.lost_amount, 0) as kpi_lost_amount,
        coalesce(expected_outcomes.lost_amount, 0) as expected_lost_amount
    from kpi_win_rate
    full outer join expected_outcomes
        on kpi_win_rate.month_start = expected_outcomes.month_start
)

select * from final
where
    kpi_deals_won <> expected_deals_won
    or kpi_deals_lost <> expected_deals_lost
    or abs(kpi_won_amount - expected_won_amount) > 0.005
    or abs(kpi_lost_amount - expected_lost_amount) > 0.005
