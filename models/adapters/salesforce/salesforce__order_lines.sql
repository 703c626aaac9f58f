-- One row per landed Salesforce order_item row, in the contract's order_lines shape. The contract table
-- has no is_deleted: a deleted line is kept as landed, with extra column is_deleted.
{%- set t = 'order_lines' %}
with

landed_items as (
    select * from {{ crm_landed('salesforce', 'order_item') }}
),

final as (
    select
        {{ salesforce_column(t, 'order_line_id', 'id') }} as order_line_id,
        {{ salesforce_column(t, 'order_id', 'order_id') }} as order_id,
        {{ salesforce_column(t, 'product_id', 'product_2_id') }} as product_id,
        {{ salesforce_column(t, 'quantity', 'quantity') }} as quantity,
        {{ salesforce_column(t, 'unit_price', 'unit_price') }} as unit_price,
        {{ salesforce_column(t, 'discount_amount', 'discount_amount_c') }} as discount_amount,
        {{ salesforce_column(t, 'unit_cost', 'unit_cost_c') }} as unit_cost,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        {{ salesforce_is_deleted() }} as sf_is_deleted,
        _fivetran_synced
    from landed_items
)

select * from final
