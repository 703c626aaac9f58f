-- One row per month of close (reporting time zone), from the first month with a closed deal to the as-of
-- month: deals won and lost, the count-based and amount-based win rates, and the average won deal size
-- over the won deals that have an amount (the others are counted beside it, D35).
with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

monthly_outcomes as (
    select
        closed_month as month_start,
        count(case when is_won then 1 end) as deals_won,
        count(case when is_lost then 1 end) as deals_lost,
        count(case when is_won and amount is not null then 1 end) as won_deals_with_amount,
        sum(case when is_won then amount end) as won_amount,
        sum(case when is_lost then amount end) as lost_amount
    from opportunities
    where is_closed
    group by closed_month
),

months as (
    {{ kpi_months('monthly_outcomes') }}
),

monthly_totals as (
    select
        months.month_start,
        months.is_complete_month,
        {{ count_or_zero('monthly_outcomes.deals_won') }} as deals_won,
        {{ count_or_zero('monthly_outcomes.deals_lost') }} as deals_lost,
        {{ count_or_zero('monthly_outcomes.won_deals_with_amount') }} as won_deals_with_amount,
        {{ money('monthly_outcomes.won_amount') }} as won_amount,
        {{ money('monthly_outcomes.lost_amount') }} as lost_amount
    from months
    left join monthly_outcomes
        on months.month_start = monthly_outcomes.month_start
),

final as (
    select
        month_start,
        is_complete_month,
        deals_won,
        deals_lost,
        deals_won + deals_lost as closed_deals,
        {{ safe_divide('deals_won', '(deals_won + deals_lost)') }} as win_rate,
        won_amount,
        lost_amount,
        won_amount + lost_amount as closed_amount,
        {{ safe_divide('won_amount', '(won_amount + lost_amount)') }} as win_rate_by_amount,
        cast({{ safe_divide('won_amount', 'won_deals_with_amount') }} as decimal(18, 2)) as avg_won_deal_size,
        won_deals_with_amount,
        deals_won - won_deals_with_amount as won_deals_without_amount,
        '{{ reporting_currency() }}' as currency_code
    from monthly_totals
)

select * from final
