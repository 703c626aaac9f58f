-- One row per landed Salesforce order row, in the contract's orders shape. Order statuses map (Activated
-- -> booked, Invoiced, Paid, Cancelled, Refunded); other labels (Draft) pass through and staging reports
-- them as unknown labels. The contract table has no is_deleted: Salesforce deletes only draft orders, and a
-- deleted row is kept as landed with extra column is_deleted.
{%- set t = 'orders' %}
{%- set status_rule = salesforce_picklist('status', salesforce_picklists().order_status) %}
with

landed_orders as (
    select * from {{ crm_landed('salesforce', 'order') }}
),

final as (
    select
        {{ salesforce_column(t, 'order_id', 'id') }} as order_id,
        {{ salesforce_column(t, 'account_id', 'account_id') }} as account_id,
        {{ salesforce_column(t, 'opportunity_id', 'opportunity_id') }} as opportunity_id,
        {{ salesforce_column(t, 'rep_id', 'owner_id') }} as rep_id,
        {{ salesforce_column(t, 'ordered_at', 'created_date') }} as ordered_at,
        {{ salesforce_column(t, 'invoiced_at', 'invoiced_at_c') }} as invoiced_at,
        {{ salesforce_column(t, 'status', status_rule) }} as status,  -- noqa: RF04
        {{ salesforce_column(t, 'currency_code', 'currency_iso_code') }} as currency_code,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_column(t, 'cancelled_at', 'cancelled_at_c') }} as cancelled_at,
        {{ salesforce_column(t, 'refunded_at', 'refunded_at_c') }} as refunded_at,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        {{ salesforce_is_deleted() }} as sf_is_deleted,
        _fivetran_synced
    from landed_orders
)

select * from final
