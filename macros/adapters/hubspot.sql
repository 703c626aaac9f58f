{#- The HubSpot adapter (models/adapters/hubspot/, docs/crm_hubspot.md): which contract tables it provides
    and the small helpers its models share. -#}

{#- Contract tables the HubSpot adapter provides; crm_source() reads the others from contract-shaped files
    (products, orders, order lines and subscriptions from the ERP; e-mail events, marketing spend, sales
    expenses, targets and currency rates from their own tools). -#}
{% macro hubspot_contract_tables() -%}
    {{- return([
        'sales_reps', 'accounts', 'contacts', 'leads', 'opportunities', 'opportunity_stage_history',
        'activities',
    ]) -}}
{%- endmacro %}

{#- The landed column that feeds a contract column: var hubspot_column_map ({<contract table>: {<contract
    column>: <landed column>}}) overrides the default field with a column of the model's main landed object
    (relation_alias). The landed name must be a plain identifier. A default holding a dot is used as it is
    (a column of another relation). -#}
{% macro hubspot_field(table_name, column_name, default, relation_alias) -%}
    {%- set column_map = var('hubspot_column_map', {}) or {} -%}
    {%- if column_map is not mapping -%}
        {{ exceptions.raise_compiler_error("var hubspot_column_map must be a mapping {table: {column: landed_column}}") }}
    {%- endif -%}
    {%- set mapped = (column_map.get(table_name) or {}).get(column_name) -%}
    {%- if mapped is none -%}
        {{- default if '.' in default else relation_alias ~ '.' ~ default -}}
    {%- elif mapped is string and modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', mapped) -%}
        {{- relation_alias ~ '.' ~ mapped -}}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "hubspot_column_map." ~ table_name ~ "." ~ column_name ~ ": '" ~ mapped
            ~ "' is not a plain column name (letters, digits, underscores)") }}
    {%- endif -%}
{%- endmacro %}

{#- A landed flag as a condition: true for a boolean true or the text true / t / 1 (any case). -#}
{% macro hubspot_is_true(expr) -%}
    coalesce(lower({{ trim_whitespace('cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')') }}) in ('true', 't', '1'), false)
{%- endmacro %}

{#- is_deleted of a contract row: true when Fivetran saw the record deleted (_fivetran_deleted), else the
    landed is_deleted as it is (text or boolean; staging parses it). -#}
{% macro hubspot_is_deleted(relation_alias) -%}
    case
        when {{ hubspot_is_true(relation_alias ~ '._fivetran_deleted') }} then 'true'
        else cast({{ relation_alias }}.is_deleted as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- The lifecycle stages that make a HubSpot contact a lead (var hubspot_lead_lifecycle_stages), as a
    condition on a lifecycle-stage expression (case- and whitespace-insensitive). -#}
{% macro hubspot_is_lead_stage(expr) -%}
    {%- set stages = var('hubspot_lead_lifecycle_stages',
                         ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead']) -%}
    {%- set quoted = [] -%}
    {%- for s in stages -%}
        {%- if s is not string or not modules.re.fullmatch('[a-z0-9_ ]+', s | lower) -%}
            {{ exceptions.raise_compiler_error("var hubspot_lead_lifecycle_stages: '" ~ s ~ "' is not a lifecycle stage id") }}
        {%- endif -%}
        {%- do quoted.append("'" ~ (s | lower) ~ "'") -%}
    {%- endfor -%}
    coalesce({{ normalize_label(expr) }} in ({{ quoted | join(', ') }}), false)
{%- endmacro %}

{#- source_relation of the adapter's rows: var hubspot_source_relation, default the landed schema name. -#}
{% macro hubspot_source_relation() -%}
    {%- set name = var('hubspot_source_relation', var('crm_landed_schema', 'raw_hubspot')) | string -%}
    '{{ name | replace("'", "''") }}'
{%- endmacro %}

{#- Pass-through: the landed columns of the object that the adapter does not read (a portal's custom
    properties, columns Fivetran adds) follow the contract columns under their landed names, so custom fields
    survive the adapter (and staging carries them on, docs/staging_rules.md "Extra columns"). Not passed:
    the columns the landed shape declares (the adapter reads them into contract columns), the ones
    hubspot_column_map reads, and names a contract column or source_relation already holds. Introspected at
    run time; nothing inside unit tests or for an absent object. Write the call on its own line after
    source_relation, with `-- noqa: LT02` (sqlfluff cannot place the indent of a line that renders empty). -#}
{% macro hubspot_extra_columns(object_name, relation_alias, table_name) -%}
    {%- set rel = source('hubspot', object_name) -%}
    {%- if not execute or crm_in_unit_test() -%}{{ return('') }}{%- endif -%}
    {%- set found = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
    {%- if found is none -%}{{ return('') }}{%- endif -%}
    {%- set taken = ['source_relation'] -%}
    {%- for name, data_type in crm_contract_table(table_name).columns -%}{%- do taken.append(name) -%}{%- endfor -%}
    {%- for name, data_type in crm_landed_columns('hubspot', object_name) -%}{%- do taken.append(name | lower) -%}{%- endfor -%}
    {%- for mapped in ((var('hubspot_column_map', {}) or {}).get(table_name) or {}).values() -%}
        {%- do taken.append(mapped | string | lower) -%}
    {%- endfor -%}
    {%- for col in adapter.get_columns_in_relation(found) if (col.name | lower) not in taken -%}
        , {{ relation_alias }}.{{ adapter.quote(col.name) }} as {{ adapter.quote(col.name | lower) }}
    {%- endfor -%}
{%- endmacro %}
