{#- The contract tables the HubSpot adapter provides (models/adapters/hubspot/hubspot__<table>.sql).
    crm_source() reads these from the adapter when var crm_source is 'hubspot'; every other contract
    table is read from the raw schema as usual (docs/crm_hubspot.md). -#}
{% macro hubspot_contract_tables() -%}
    {{- return([]) -}}
{%- endmacro %}
