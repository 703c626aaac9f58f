{#- Custom schemas are used as named (staging, intermediate, marts, config), not prefixed with the target
    schema: BI tools and the published serving file get stable names. Set var schema_prefix (for example
    to a developer's name) to build beside another copy in a shared warehouse: dev_staging, dev_marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = var('schema_prefix', '') -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif prefix -%}
        {{ prefix | trim }}_{{ custom_schema_name | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
