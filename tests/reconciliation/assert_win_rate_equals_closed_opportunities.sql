-- kpi_win_rate_monthly accounts, month by month, for every deal closed (won or lost) in fct_opportunities
-- up to the as-of month: deals_won + deals_lost = closed deals, and the won / lost amounts match.
-- Returns the months that disagree.
with

kpi_win_rate as (
    select
        month_start,
        deals_won,
        deals_lost,
        won_amount,
        lost_amount
    from {{ ref('kpi_win_rate_monthly') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

expected_outcomes as (
    select
        closed_month as month_start,
        count(case when is_won then 1 end) as deals_won,
        count(case when not is_won then 1 end) as deals_lost,
        coalesce(sum(case when is_won then amount end), 0) as won_amount,
        coalesce(sum(case when not is_won then amount end), 0) as lost_amount
    from opportunities
    where
        is_closed
        and closed_month <= {{ month_start(as_of_date()) }}
    group by closed_month
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
