-- One row per order: the staged orders, plus (when the project variable
-- `derive_orders_from_won_opportunities` is true) one derived order per won opportunity that no staged
-- order points at, booked and invoiced at the opportunity's closed_at by the opportunity's owner. Reads
-- stg_crm__opportunities directly (not fct_opportunities) so that the revenue facts never depend on the
-- pipeline facts. When the variable is false, the derived part is empty.
{%- set derive_orders = boolean_var('derive_orders_from_won_opportunities', false) %}
with

staged_orders as (
    select * from {{ ref('stg_crm__orders') }}
),

won_opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where is_won and closed_at is not null
),

opportunities_with_orders as (
    select distinct opportunity_id
    from staged_orders
    where opportunity_id is not null
),

derived_orders as (
    select
        'opp:' || won_opportunities.opportunity_id as order_id,
        won_opportunities.account_id,
        won_opportunities.opportunity_id,
        won_opportunities.owner_rep_id as rep_id,
        'invoiced' as status,
        -- the derived line carries the opportunity's amount already converted to the reporting currency
        '{{ reporting_currency() }}' as currency_code,
        cast(1 as decimal(28, 12)) as rate_to_reporting,
        true as is_derived_from_opportunity,
        won_opportunities.closed_at as ordered_at,
        won_opportunities.closed_at as invoiced_at,
        cast(null as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(null as {{ dbt.type_timestamp() }}) as refunded_at,
        won_opportunities.updated_at
    from won_opportunities
    left join opportunities_with_orders
        on won_opportunities.opportunity_id = opportunities_with_orders.opportunity_id
    where
        opportunities_with_orders.opportunity_id is null
        and {{ 'true' if derive_orders else 'false' }}
),

final as (
    select
        order_id,
        account_id,
        opportunity_id,
        rep_id,
        status,
        currency_code,
        rate_to_reporting,
        false as is_derived_from_opportunity,
        ordered_at,
        invoiced_at,
        cancelled_at,
        refunded_at,
        updated_at
    from staged_orders

    union all

    select
        order_id,
        account_id,
        opportunity_id,
        rep_id,
        status,
        currency_code,
        rate_to_reporting,
        is_derived_from_opportunity,
        ordered_at,
        invoiced_at,
        cancelled_at,
        refunded_at,
        updated_at
    from derived_orders
)

select * from final
