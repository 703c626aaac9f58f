{#- The data-quality warnings of each contract table, declared once (docs/staging_rules.md, "Kept and
    flagged"). A warning marks a kept row whose business can be interpreted without the value that is
    missing, broken or odd: the row stays in staging with a boolean flag, the facts apply a documented
    fallback, and int_raw_rows_flagged lists the row. `when` is a condition on the columns of the table's
    base model (after its enrichment joins); `detail` is SQL text naming the value behind the warning.
    The warning's code in int_raw_rows_flagged is the flag without its `is_` prefix. -#}
{% macro crm_warning_rules(table_name) -%}
    {%- set rules = {
        'contacts': [
            {'flag': 'is_account_missing', 'when': 'account_id is null', 'detail': "'account_id'"},
            {'flag': 'is_account_unresolved', 'when': 'account_id is not null and not _account_found',
             'detail': 'account_id'},
        ],
        'leads': [
            {'flag': 'is_owner_unresolved', 'when': 'owner_rep_id is not null and not _owner_found',
             'detail': 'owner_rep_id'},
            {'flag': 'is_created_at_imputed', 'when': 'created_at is null', 'detail': "'created_at'"},
            {'flag': 'is_converted_before_created', 'when': 'converted_at < resolved_created_at',
             'detail': "'converted_at'"},
        ],
        'opportunities': [
            {'flag': 'is_account_missing', 'when': 'account_id is null', 'detail': "'account_id'"},
            {'flag': 'is_account_unresolved', 'when': 'account_id is not null and not _account_found',
             'detail': 'account_id'},
            {'flag': 'is_owner_missing', 'when': 'owner_rep_id is null', 'detail': "'owner_rep_id'"},
            {'flag': 'is_owner_unresolved', 'when': 'owner_rep_id is not null and not _owner_found',
             'detail': 'owner_rep_id'},
            {'flag': 'is_created_at_imputed', 'when': 'created_at is null', 'detail': "'created_at'"},
            {'flag': 'is_closed_before_created', 'when': 'resolved_closed_at < resolved_created_at',
             'detail': "'closed_at'"},
        ],
        'activities': [
            {'flag': 'is_activity_type_missing', 'when': 'activity_type is null', 'detail': "'activity_type'"},
        ],
        'orders': [
            {'flag': 'is_account_missing', 'when': 'account_id is null', 'detail': "'account_id'"},
            {'flag': 'is_account_unresolved', 'when': 'account_id is not null and not _account_found',
             'detail': 'account_id'},
            {'flag': 'is_rep_unresolved', 'when': 'rep_id is not null and not _rep_found', 'detail': 'rep_id'},
            {'flag': 'is_ordered_at_imputed', 'when': 'ordered_at is null', 'detail': "'ordered_at'"},
            {'flag': 'is_invoiced_at_imputed', 'when': 'resolved_invoiced_at is not null and invoiced_at is null',
             'detail': "'invoiced_at'"},
            {'flag': 'is_invoiced_before_ordered', 'when': 'resolved_invoiced_at < resolved_ordered_at',
             'detail': "'invoiced_at'"},
        ],
        'order_lines': [
            {'flag': 'is_product_missing', 'when': 'product_id is null', 'detail': "'product_id'"},
            {'flag': 'is_product_unresolved', 'when': 'product_id is not null and not _product_found',
             'detail': 'product_id'},
        ],
        'subscriptions': [
            {'flag': 'is_account_unresolved', 'when': 'not _account_found', 'detail': 'account_id'},
            {'flag': 'is_product_unresolved', 'when': 'product_id is not null and not _product_found',
             'detail': 'product_id'},
        ],
        'sales_targets': [
            {'flag': 'is_rep_unresolved', 'when': 'rep_id is not null and not _rep_found', 'detail': 'rep_id'},
        ],
    } -%}
    {{- return(rules.get(table_name, [])) -}}
{%- endmacro %}

{#- The tables that declare warnings, sorted. -#}
{% macro crm_warning_tables() -%}
    {%- set tables = [] -%}
    {%- for table_name in crm_table_names() if crm_warning_rules(table_name) -%}
        {%- do tables.append(table_name) -%}
    {%- endfor -%}
    {{- return(tables) -}}
{%- endmacro %}
