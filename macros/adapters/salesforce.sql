{#- The Salesforce adapter: Salesforce objects as Fivetran lands them -> the raw contract tables.
    Mapping rules: docs/crm_salesforce.md. Landed shape: models/adapters/salesforce/_salesforce__sources.yml. -#}

{#- The contract tables the Salesforce adapter provides (models/adapters/salesforce/salesforce__<table>.sql).
    crm_source() reads these from the adapter when var crm_source is 'salesforce'; every other contract
    table is read from the raw schema as usual (docs/crm_salesforce.md). -#}
{% macro salesforce_contract_tables() -%}
    {%- set tables = [
        'sales_reps', 'accounts', 'contacts', 'leads', 'opportunities', 'opportunity_stage_history',
        'activities',
    ] -%}
    {#- var salesforce_currency_rates: false reads currency_rates from the contract-shaped raw schema instead
        of dated_conversion_rate (when Salesforce's rates are too coarse, docs/crm_salesforce.md) -#}
    {%- if var('salesforce_currency_rates', true) -%}{%- do tables.append('currency_rates') -%}{%- endif -%}
    {#- var salesforce_orders: false reads products, orders and order_lines from the raw schema (an ERP)
        instead of Product2, Order and OrderItem -#}
    {%- if var('salesforce_orders', true) -%}{%- do tables.extend(['products', 'orders', 'order_lines']) -%}{%- endif -%}
    {{- return(tables) -}}
{%- endmacro %}

{#- A landed column name from a variable: a plain identifier, or a compile error naming the variable. -#}
{% macro salesforce_checked_identifier(name, origin) -%}
    {%- if name is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', name) -%}
        {{ exceptions.raise_compiler_error(
            origin ~ ": '" ~ name ~ "' is not a plain column name (letters, digits and _, not starting with a digit)"
        ) }}
    {%- endif -%}
    {{- return(name) -}}
{%- endmacro %}

{#- The SQL for one contract column: the adapter's default rule, unless var salesforce_column_map names a
    landed column for it ({contract_table: {contract_column: landed_column}}; null = no such field, the
    column is NULL). Example: {accounts: {region: billing_state}}. -#}
{% macro salesforce_column(table_name, column_name, default_sql) -%}
    {%- set column_map = var('salesforce_column_map', {}) or {} -%}
    {%- if column_map is not mapping -%}
        {{ exceptions.raise_compiler_error("var salesforce_column_map must be a mapping {contract_table: {contract_column: landed_column}}") }}
    {%- endif -%}
    {%- set table_map = column_map.get(table_name, {}) or {} -%}
    {%- if table_map is not mapping -%}
        {{ exceptions.raise_compiler_error("var salesforce_column_map." ~ table_name ~ " must be a mapping {contract_column: landed_column}") }}
    {%- endif -%}
    {%- if column_name not in table_map -%}
        {{- default_sql -}}
    {%- elif table_map[column_name] is none -%}
        null
    {%- else -%}
        {{- salesforce_checked_identifier(table_map[column_name], 'var salesforce_column_map.' ~ table_name ~ '.' ~ column_name) -}}
    {%- endif -%}
{%- endmacro %}

{#- Extra landed columns a user wants to keep on a contract table (var salesforce_extra_columns:
    {contract_table: [landed_column, ...]}), selected after source_relation under their landed names. -#}
{% macro salesforce_extra_columns(table_name) -%}
    {%- set extras = (var('salesforce_extra_columns', {}) or {}).get(table_name, []) or [] -%}
    {%- for name in extras %}
        {{ salesforce_checked_identifier(name, 'var salesforce_extra_columns.' ~ table_name) }},
    {%- endfor -%}
{%- endmacro %}

{#- Which connection a row came from: the landed schema's name, as a quoted literal. -#}
{% macro salesforce_source_relation() -%}
    '{{ crm_landed_schema() }}'
{%- endmacro %}

{#- Salesforce booleans land typed (Fivetran) or as text (CSV): true when the value reads as true. -#}
{% macro salesforce_is_true(column) -%}
    coalesce(lower({{ crm_text(column) }}) in ('true', 't', '1'), false)
{%- endmacro %}

{#- is_deleted of a contract row: deleted in Salesforce (is_deleted, the recycle bin) or gone from
    Salesforce (_fivetran_deleted, a hard delete the connector saw). Otherwise is_deleted as landed. -#}
{% macro salesforce_is_deleted() -%}
    case
        when {{ salesforce_is_true('_fivetran_deleted') }} then 'true'
        else cast(is_deleted as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- A picklist label mapped onto a contract label: exact Salesforce labels in `labels` ({label: value})
    become the contract value; anything else passes through unchanged for staging to judge. -#}
{% macro salesforce_picklist(column, labels) -%}
    case
        {%- for label, value in labels.items() %}
        when {{ column }} = '{{ label }}' then '{{ value }}'
        {%- endfor %}
        else cast({{ column }} as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- A 0-100 percentage (probability) as a fraction 0..1; NULL when it does not read as a number. -#}
{% macro salesforce_percent_to_fraction(column) -%}
    {{ dbt.safe_cast(crm_text(column), 'decimal(18, 6)') }} / 100
{%- endmacro %}

{#- Salesforce picklist labels -> contract labels, per field (the default picklist values of a new org plus
    the common custom values). The renderer (scripts/sampledata/shapes/salesforce.py) writes the inverse;
    tests/python/test_salesforce_shape.py checks both lists agree. -#}
{% macro salesforce_picklists() -%}
    {{- return({
        'opportunity_type': {
            'New Customer': 'new_business',
            'Existing Customer - Upgrade': 'upsell',
            'Existing Customer - Replacement': 'renewal',
            'Existing Customer - Downgrade': 'renewal',
            'Renewal': 'renewal',
        },
        'lead_status': {
            'Open - Not Contacted': 'new',
            'Working - Contacted': 'working',
            'Nurturing': 'nurturing',
            'Qualified': 'qualified',
            'Closed - Not Converted': 'unqualified',
            'Closed - Converted': 'converted',
        },
        'task_subtype': {
            'Call': 'call',
            'Email': 'email',
            'ListEmail': 'email',
            'Task': 'task',
        },
        'event_type': {
            'Meeting': 'meeting',
            'Demo': 'demo',
        },
        'direction': {
            'Inbound': 'inbound',
            'Outbound': 'outbound',
        },
        'order_status': {
            'Activated': 'booked',
            'Invoiced': 'invoiced',
            'Paid': 'paid',
            'Cancelled': 'cancelled',
            'Refunded': 'refunded',
        },
    }) -}}
{%- endmacro %}

{#- Whether an id starts with one of the key prefixes of an object (var salesforce_key_prefixes:
    {object: [prefix, ...]}; Salesforce ids start with a 3-character key prefix per object). -#}
{% macro salesforce_has_key_prefix(column, object_name, default_prefixes) -%}
    {%- set prefixes = (var('salesforce_key_prefixes', {}) or {}).get(object_name, default_prefixes) or [] -%}
    {%- set conditions = [] -%}
    {%- for prefix in prefixes -%}
        {%- if prefix is not string or not modules.re.match('^[A-Za-z0-9_-]+$', prefix) -%}
            {{ exceptions.raise_compiler_error("var salesforce_key_prefixes." ~ object_name ~ ": '" ~ prefix ~ "' is not a key prefix (letters, digits, - and _)") }}
        {%- endif -%}
        {%- do conditions.append(crm_text(column) ~ " like '" ~ prefix ~ "%'") -%}
    {%- endfor -%}
    coalesce({{ conditions | join(' or ') if conditions else 'false' }}, false)
{%- endmacro %}

{#- A landed-object fixture for dbt unit tests (`format: sql`, which works whether or not the object was
    landed): every landed column as text, NULL where a row leaves it out; `extra` names columns beyond the
    landed shape (custom fields a test maps with var salesforce_column_map). -#}
{% macro salesforce_fixture(object_name, rows, extra=[]) -%}
    {{- text_fixture('salesforce_fixture(' ~ object_name ~ ')', salesforce_landed_columns()[object_name] + extra, rows) -}}
{%- endmacro %}
