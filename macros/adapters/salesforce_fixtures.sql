{#- GENERATED from models/adapters/salesforce/_salesforce__sources.yml by
    `PYTHONPATH=. .venv/bin/python tests/python/test_salesforce_shape.py --write`;
    do not edit by hand.
    The landed columns of each Salesforce object, for unit-test fixtures (dbt unit tests compile
    without graph.sources). tests/python/test_salesforce_shape.py fails when this copy and the
    sources file differ. -#}
{% macro salesforce_landed_columns() -%}
    {{- return({
        'user': ['id', 'name', 'email', 'department', 'division', 'manager_id', 'user_role_id', 'hire_date_c', 'termination_date_c', 'is_active', 'last_modified_date', 'system_modstamp', '_fivetran_synced', '_fivetran_deleted'],
        'user_role': ['id', 'name', 'developer_name', '_fivetran_synced', '_fivetran_deleted'],
        'account': ['id', 'name', 'industry', 'segment_c', 'region_c', 'billing_city', 'billing_country_code', 'owner_id', 'created_date', 'last_modified_date', 'system_modstamp', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'contact': ['id', 'account_id', 'first_name', 'last_name', 'email', 'phone', 'title', 'created_date', 'last_modified_date', 'system_modstamp', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'lead': ['id', 'created_date', 'lead_source', 'owner_id', 'status', 'company', 'email', 'country_code', 'is_converted', 'converted_date', 'converted_account_id', 'converted_contact_id', 'converted_opportunity_id', 'last_modified_date', 'system_modstamp', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'opportunity': ['id', 'account_id', 'owner_id', 'lead_c', 'name', 'type', 'record_type_id', 'stage_name', 'probability', 'amount', 'currency_iso_code', 'created_date', 'close_date', 'last_stage_change_date', 'is_closed', 'is_won', 'loss_reason_c', 'last_modified_date', 'system_modstamp', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'opportunity_history': ['id', 'opportunity_id', 'created_date', 'stage_name', 'amount', 'probability', 'close_date', 'created_by_id', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'task': ['id', 'type', 'task_subtype', 'call_type', 'owner_id', 'who_id', 'what_id', 'account_id', 'completed_date_time', 'call_duration_in_seconds', 'call_disposition', 'subject', 'is_deleted', 'last_modified_date', '_fivetran_synced', '_fivetran_deleted'],
        'event': ['id', 'type', 'direction_c', 'owner_id', 'who_id', 'what_id', 'account_id', 'start_date_time', 'duration_in_minutes', 'outcome_c', 'subject', 'is_deleted', 'last_modified_date', '_fivetran_synced', '_fivetran_deleted'],
        'product_2': ['id', 'name', 'family', 'list_price_c', 'unit_cost_c', 'currency_iso_code', 'is_active', 'last_modified_date', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'order': ['id', 'account_id', 'opportunity_id', 'owner_id', 'created_date', 'invoiced_at_c', 'status', 'currency_iso_code', 'last_modified_date', 'cancelled_at_c', 'refunded_at_c', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'order_item': ['id', 'order_id', 'product_2_id', 'quantity', 'unit_price', 'discount_amount_c', 'unit_cost_c', 'is_deleted', '_fivetran_synced', '_fivetran_deleted'],
        'dated_conversion_rate': ['id', 'iso_code', 'start_date', 'next_start_date', 'conversion_rate', 'last_modified_date', '_fivetran_synced', '_fivetran_deleted'],
    }) -}}
{%- endmacro %}
