-- One row per account (customers and prospects) with its attributes and acquisition facts: its first
-- booked order (the acquisition), the rep credited with it, its first won opportunity and the channel of
-- the lead that originated that opportunity ('unattributed' when there is none).
with

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

subscriptions as (
    select * from {{ ref('stg_crm__subscriptions') }}
    where {{ is_on_or_before_as_of('started_at') }}
),

first_orders as (
    select
        account_id,
        order_id as first_order_id,
        credited_rep_id as acquiring_rep_id,
        ordered_at as first_order_at,
        ordered_month as acquisition_month
    from orders
    where is_first_order
),

won_opportunities_ranked as (
    select
        account_id,
        opportunity_id,
        lead_id,
        channel,
        channel_group,
        row_number() over (
            partition by account_id
            order by closed_at, opportunity_id
        ) as won_rank
    from opportunities
    where is_won
),

first_won_opportunities as (
    select * from won_opportunities_ranked
    where won_rank = 1
),

subscribing_accounts as (
    select distinct account_id
    from subscriptions
),

final as (
    select
        accounts.account_id,
        accounts.owner_rep_id,
        first_orders.first_order_id,
        first_orders.acquiring_rep_id,
        first_won_opportunities.opportunity_id as first_won_opportunity_id,
        first_won_opportunities.lead_id as acquisition_lead_id,
        accounts.account_name,
        accounts.industry,
        accounts.region,
        accounts.city,
        accounts.country_code,
        first_orders.first_order_at,
        first_orders.acquisition_month,
        accounts.created_at,
        accounts.updated_at,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(first_won_opportunities.channel, 'unattributed') as acquisition_channel,
        coalesce(first_won_opportunities.channel_group, 'unattributed') as acquisition_channel_group,
        first_orders.first_order_id is not null as is_customer,
        subscribing_accounts.account_id is not null as uses_subscriptions
    from accounts
    left join first_orders
        on accounts.account_id = first_orders.account_id
    left join first_won_opportunities
        on accounts.account_id = first_won_opportunities.account_id
    left join subscribing_accounts
        on accounts.account_id = subscribing_accounts.account_id
)

select * from final
