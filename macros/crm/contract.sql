{#- GENERATED from models/staging/crm/_crm__sources.yml by
    `.venv/bin/python tests/python/test_crm_contract_macro.py --write`; do not edit by hand.
    The raw contract as a Jinja value: the staging framework reads keys and column types from here because
    dbt unit tests compile models without the project graph (graph.sources is empty there).
    tests/python/test_crm_contract_macro.py fails when this copy and the sources file differ. -#}

{% macro crm_contract() -%}
    {{- return({
        'accounts': {
            'key': ['account_id'],
            'nullable_key': [],
            'required': true,
            'columns': [['account_id', 'varchar'], ['account_name', 'varchar'], ['industry', 'varchar'], ['segment', 'varchar'], ['region', 'varchar'], ['city', 'varchar'], ['country_code', 'varchar'], ['owner_rep_id', 'varchar'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'], ['is_deleted', 'boolean']],
        },
        'activities': {
            'key': ['activity_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['activity_id', 'varchar'], ['activity_type', 'varchar'], ['direction', 'varchar'], ['rep_id', 'varchar'], ['lead_id', 'varchar'], ['contact_id', 'varchar'], ['account_id', 'varchar'], ['opportunity_id', 'varchar'], ['occurred_at', 'timestamp'], ['duration_seconds', 'integer'], ['outcome', 'varchar'], ['is_deleted', 'boolean']],
        },
        'contacts': {
            'key': ['contact_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['contact_id', 'varchar'], ['account_id', 'varchar'], ['first_name', 'varchar'], ['last_name', 'varchar'], ['email', 'varchar'], ['phone', 'varchar'], ['job_title', 'varchar'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'], ['is_deleted', 'boolean']],
        },
        'currency_rates': {
            'key': ['rate_date', 'currency_code'],
            'nullable_key': [],
            'required': false,
            'columns': [['rate_date', 'date'], ['currency_code', 'varchar'], ['rate_to_reporting', 'decimal(28,12)']],
        },
        'email_events': {
            'key': ['event_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['event_id', 'varchar'], ['email_id', 'varchar'], ['campaign_id', 'varchar'], ['rep_id', 'varchar'], ['lead_id', 'varchar'], ['contact_id', 'varchar'], ['event_type', 'varchar'], ['occurred_at', 'timestamp']],
        },
        'leads': {
            'key': ['lead_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['lead_id', 'varchar'], ['created_at', 'timestamp'], ['lead_source', 'varchar'], ['owner_rep_id', 'varchar'], ['status', 'varchar'], ['company_name', 'varchar'], ['email', 'varchar'], ['country_code', 'varchar'], ['converted_at', 'timestamp'], ['converted_account_id', 'varchar'], ['converted_contact_id', 'varchar'], ['converted_opportunity_id', 'varchar'], ['updated_at', 'timestamp'], ['is_deleted', 'boolean']],
        },
        'marketing_spend': {
            'key': ['spend_date', 'channel', 'campaign_id'],
            'nullable_key': ['campaign_id'],
            'required': false,
            'columns': [['spend_date', 'date'], ['channel', 'varchar'], ['campaign_id', 'varchar'], ['amount', 'decimal(18,2)'], ['currency_code', 'varchar']],
        },
        'opportunities': {
            'key': ['opportunity_id'],
            'nullable_key': [],
            'required': true,
            'columns': [['opportunity_id', 'varchar'], ['account_id', 'varchar'], ['owner_rep_id', 'varchar'], ['lead_id', 'varchar'], ['opportunity_name', 'varchar'], ['opportunity_type', 'varchar'], ['stage_name', 'varchar'], ['amount', 'decimal(18,2)'], ['currency_code', 'varchar'], ['created_at', 'timestamp'], ['expected_close_date', 'date'], ['closed_at', 'timestamp'], ['is_closed', 'boolean'], ['is_won', 'boolean'], ['loss_reason', 'varchar'], ['updated_at', 'timestamp'], ['is_deleted', 'boolean']],
        },
        'opportunity_stage_history': {
            'key': ['opportunity_id', 'entered_at', 'stage_name'],
            'nullable_key': [],
            'required': false,
            'columns': [['opportunity_id', 'varchar'], ['entered_at', 'timestamp'], ['stage_name', 'varchar'], ['amount', 'decimal(18,2)'], ['changed_by_rep_id', 'varchar']],
        },
        'order_lines': {
            'key': ['order_line_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['order_line_id', 'varchar'], ['order_id', 'varchar'], ['product_id', 'varchar'], ['quantity', 'decimal(18,4)'], ['unit_price', 'decimal(18,2)'], ['discount_amount', 'decimal(18,2)'], ['unit_cost', 'decimal(18,2)']],
        },
        'orders': {
            'key': ['order_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['order_id', 'varchar'], ['account_id', 'varchar'], ['opportunity_id', 'varchar'], ['rep_id', 'varchar'], ['ordered_at', 'timestamp'], ['invoiced_at', 'timestamp'], ['status', 'varchar'], ['currency_code', 'varchar'], ['updated_at', 'timestamp'], ['cancelled_at', 'timestamp'], ['refunded_at', 'timestamp']],
        },
        'products': {
            'key': ['product_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['product_id', 'varchar'], ['product_name', 'varchar'], ['category', 'varchar'], ['list_price', 'decimal(18,2)'], ['unit_cost', 'decimal(18,2)'], ['currency_code', 'varchar'], ['is_active', 'boolean'], ['updated_at', 'timestamp']],
        },
        'sales_expenses': {
            'key': ['expense_month', 'rep_id', 'team', 'category'],
            'nullable_key': ['rep_id', 'team'],
            'required': false,
            'columns': [['expense_month', 'date'], ['rep_id', 'varchar'], ['team', 'varchar'], ['category', 'varchar'], ['amount', 'decimal(18,2)'], ['currency_code', 'varchar']],
        },
        'sales_reps': {
            'key': ['rep_id'],
            'nullable_key': [],
            'required': true,
            'columns': [['rep_id', 'varchar'], ['full_name', 'varchar'], ['email', 'varchar'], ['team', 'varchar'], ['region', 'varchar'], ['manager_rep_id', 'varchar'], ['role', 'varchar'], ['hired_date', 'date'], ['left_date', 'date'], ['updated_at', 'timestamp']],
        },
        'sales_targets': {
            'key': ['target_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['target_id', 'varchar'], ['period_start', 'date'], ['period_end', 'date'], ['rep_id', 'varchar'], ['team', 'varchar'], ['metric', 'varchar'], ['target_value', 'decimal(18,2)'], ['currency_code', 'varchar']],
        },
        'subscriptions': {
            'key': ['subscription_id'],
            'nullable_key': [],
            'required': false,
            'columns': [['subscription_id', 'varchar'], ['account_id', 'varchar'], ['product_id', 'varchar'], ['started_at', 'timestamp'], ['ended_at', 'timestamp'], ['mrr', 'decimal(18,2)'], ['currency_code', 'varchar'], ['status', 'varchar']],
        },
    }) -}}
{%- endmacro %}
