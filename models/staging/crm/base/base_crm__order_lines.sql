-- Every raw order_lines row, typed and classified. Lines are in their order's currency and convert at
-- the order's rate. A line without a product, or whose product is not kept, is still money: kept and
-- flagged (category 'uncategorised', cost from the line or unknown). A line of an order that is not kept
-- is quarantined: without its order it has no status, date or currency.
{{ config(**crm_incremental_config('order_line_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'order_lines',
        required=['order_id', 'quantity', 'unit_price'],
        incremental=true,
        depends_on=[
            {'table': 'orders', 'column': 'order_id', 'found': '_order_found'},
            {'table': 'products', 'column': 'product_id', 'found': '_product_found'},
        ],
        reads_rates={'model': 'stg_crm__orders', 'column': 'order_id'},
    ) }}
),

orders as (
    select
        order_id,
        currency_code,
        rate_to_reporting
    from {{ ref('stg_crm__orders') }}
),

products as (
    select product_id from {{ ref('stg_crm__products') }}
),

enriched as (
    select
        typed_rows.*,
        orders.currency_code,
        orders.rate_to_reporting,
        orders.order_id is not null as _order_found,
        -- when the optional products table is absent, the link cannot be checked
        {{ 'products.product_id is not null' if crm_table_exists('products') else 'true' }} as _product_found
    from typed_rows
    left join orders on typed_rows.order_id = orders.order_id
    left join products on typed_rows.product_id = products.product_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            crm_negative_rule(['quantity', 'unit_price', 'discount_amount', 'unit_cost']),
            crm_orphan_rule('order_id', '_order_found'),
        ], soft_delete=false) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('order_lines') }}
    from dispositioned
)

select * from final
