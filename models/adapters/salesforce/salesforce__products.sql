-- One row per landed Salesforce product_2 row, in the contract's products shape. The contract table has no
-- is_deleted: a deleted product is kept (old order lines still point at it) and flagged in extra columns.
{%- set t = 'products' %}
with

landed_products as (
    select * from {{ crm_landed('salesforce', 'product_2') }}
),

final as (
    select
        {{ salesforce_column(t, 'product_id', 'id') }} as product_id,
        {{ salesforce_column(t, 'product_name', 'name') }} as product_name,
        {{ salesforce_column(t, 'category', 'family') }} as category,
        {{ salesforce_column(t, 'list_price', 'list_price_c') }} as list_price,
        {{ salesforce_column(t, 'unit_cost', 'unit_cost_c') }} as unit_cost,
        {{ salesforce_column(t, 'currency_code', 'currency_iso_code') }} as currency_code,
        {{ salesforce_column(t, 'is_active', 'is_active') }} as is_active,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        {{ salesforce_is_deleted() }} as sf_is_deleted,
        _fivetran_synced
    from landed_products
)

select * from final
