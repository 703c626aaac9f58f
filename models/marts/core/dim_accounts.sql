-- One row per account (customers and prospects) with its attributes and acquisition facts, plus explicit
-- members for references that resolve to no kept account (D31):
--   inferred members  an account id that orders, deals or subscriptions name but staging did not keep
--                     (unknown to the accounts table, quarantined or deleted): its own row, attributes
--                     NULL, segment 'unknown', so its money and its customer status are not lost;
--   the unknown account  '(unknown)', for deals and orders that name no account: never a customer.
-- A customer is an account with a booked order, or with a subscription started by the as-of date (a
-- company that only bills subscriptions has customers too). The acquisition is the first booked order
-- (its month, its credited rep), else the first subscription (its month; the account owner when a kept
-- rep, else the unassigned rep). The acquisition channel is the channel of the lead that originated the
-- first won opportunity ('unattributed' when there is none).
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

reps as (
    select rep_id from {{ ref('dim_reps') }}
    where not is_unassigned
),

referenced_accounts as (
    select account_id from orders
    where not is_unknown_account
    union
    select account_id from opportunities
    where not is_unknown_account
    union
    select account_id from subscriptions
),

all_accounts as (
    select
        account_id,
        owner_rep_id,
        account_name,
        industry,
        segment,
        region,
        city,
        country_code,
        created_at,
        updated_at,
        false as is_inferred,
        false as is_unknown_account
    from accounts

    union all

    select
        referenced_accounts.account_id,
        cast(null as {{ dbt.type_string() }}) as owner_rep_id,
        cast(null as {{ dbt.type_string() }}) as account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at,
        true as is_inferred,
        false as is_unknown_account
    from referenced_accounts
    left join accounts
        on referenced_accounts.account_id = accounts.account_id
    where accounts.account_id is null

    union all

    select
        {{ unknown_account_id() }} as account_id,
        cast(null as {{ dbt.type_string() }}) as owner_rep_id,
        'Unknown account' as account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at,
        false as is_inferred,
        true as is_unknown_account
),

first_orders as (
    select
        account_id,
        order_id as first_order_id,
        credited_rep_id as acquiring_rep_id,
        ordered_at as first_order_at,
        ordered_month as first_order_month
    from orders
    where is_first_order
),

first_subscriptions as (
    select
        account_id,
        min(started_at) as first_subscription_at
    from subscriptions
    group by account_id
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
    where is_won and not is_unknown_account
),

first_won_opportunities as (
    select * from won_opportunities_ranked
    where won_rank = 1
),

acquisitions as (
    select
        all_accounts.*,
        first_orders.first_order_id,
        first_orders.first_order_at,
        first_subscriptions.first_subscription_at,
        case
            when first_orders.first_order_id is not null then 'order'
            when first_subscriptions.account_id is not null then 'subscription'
        end as acquisition_source,
        case
            when first_orders.first_order_id is not null then first_orders.acquiring_rep_id
            when first_subscriptions.account_id is not null
                then coalesce(owner_reps.rep_id, {{ unassigned_rep_id() }})
        end as acquiring_rep_id,
        coalesce(first_orders.first_order_at, first_subscriptions.first_subscription_at) as acquired_at
    from all_accounts
    left join first_orders
        on all_accounts.account_id = first_orders.account_id
    left join first_subscriptions
        on all_accounts.account_id = first_subscriptions.account_id
    left join reps as owner_reps
        on all_accounts.owner_rep_id = owner_reps.rep_id
),

final as (
    select
        -- ids
        acquisitions.account_id,
        acquisitions.owner_rep_id,
        acquisitions.first_order_id,
        acquisitions.acquiring_rep_id,
        first_won_opportunities.opportunity_id as first_won_opportunity_id,
        first_won_opportunities.lead_id as acquisition_lead_id,
        -- dimensions
        acquisitions.account_name,
        acquisitions.industry,
        acquisitions.region,
        acquisitions.city,
        acquisitions.country_code,
        coalesce(acquisitions.segment, 'unknown') as segment,
        coalesce(first_won_opportunities.channel, 'unattributed') as acquisition_channel,
        coalesce(first_won_opportunities.channel_group, 'unattributed') as acquisition_channel_group,
        acquisitions.acquisition_source,
        -- flags
        acquisitions.acquisition_source is not null as is_customer,
        acquisitions.first_subscription_at is not null as uses_subscriptions,
        acquisitions.is_inferred,
        acquisitions.is_unknown_account,
        -- time
        acquisitions.first_order_at,
        acquisitions.first_subscription_at,
        acquisitions.acquired_at,
        {{ reporting_date('acquisitions.acquired_at') }} as acquisition_date,
        {{ reporting_month('acquisitions.acquired_at') }} as acquisition_month,
        acquisitions.created_at,
        acquisitions.updated_at
    from acquisitions
    left join first_won_opportunities
        on acquisitions.account_id = first_won_opportunities.account_id
)

select * from final
