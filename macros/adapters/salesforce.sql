{#- The contract tables the Salesforce adapter provides (models/adapters/salesforce/salesforce__<table>.sql).
    crm_source() reads these from the adapter when var crm_source is 'salesforce'; every other contract
    table is read from the raw schema as usual (docs/crm_salesforce.md). -#}
{% macro salesforce_contract_tables() -%}
    {{- return([]) -}}
{%- endmacro %}
