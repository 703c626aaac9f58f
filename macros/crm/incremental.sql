{#- Incremental base models (docs/operations.md, "Incremental nights"; D119). Their config: incremental
    on DuckDB (delete + insert by key; pre-hook crm_incremental_reset), a table on the other engines. A raw row's load batch is
    the number scripts/load_raw.py gave the load that added it: the `_load_batch` column an --append load
    writes, else the batch of the schema's full load (the lowest in `_load_files`, the load's epoch). A
    full load gets a number above every earlier one, so base rows older than the epoch are from raw
    tables that have since been replaced. -#}

{#- The lower-case column names of a relation (none when it does not exist). -#}
{% macro crm_relation_columns(relation) -%}
    {%- if not execute or relation is none -%}{{ return([]) }}{%- endif -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if found is none -%}{{ return([]) }}{%- endif -%}
    {{- return(adapter.get_columns_in_relation(found) | map(attribute='name') | map('lower') | list) -}}
{%- endmacro %}

{#- SQL for the epoch: the batch of the raw schema's full load, or null when the raw tables were not
    loaded by scripts/load_raw.py (or by a version before batches). -#}
{% macro crm_load_epoch() -%}
    {%- set files = crm_load_relation('_load_files') -%}
    {%- if files is not none and 'load_batch' in crm_relation_columns(files) -%}
        (select min(load_batch) from {{ files }})
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}

{#- SQL for the load batch of a raw row of `table_name` (alias source_rows), or 'null' when unknown: the
    raw tables came another way, or a CRM adapter's model provides the table. -#}
{% macro crm_load_batch(table_name) -%}
    {%- if not execute or crm_in_unit_test() or crm_adapter_model(table_name) is not none -%}
        {{- return('null') -}}
    {%- endif -%}
    {%- set epoch = crm_load_epoch() -%}
    {%- if epoch == 'null' -%}{{ return('null') }}{%- endif -%}
    {%- if crm_table_exists(table_name) and '_load_batch' in crm_relation_columns(source('crm', table_name)) -%}
        {{- return('coalesce(source_rows._load_batch, ' ~ epoch ~ ')') -}}
    {%- endif -%}
    {{- return(epoch) -}}
{%- endmacro %}

{#- Pre-hook: on an incremental run, delete the rows whose batch is older than the raw schema's epoch (a
    full load replaced their raw tables), or every row when the batches are unknown or the table predates
    them. The model then reads every raw row again. -#}
{% macro crm_incremental_reset() -%}
    {%- if execute and is_incremental() -%}
        {%- if '_load_batch' in crm_relation_columns(this) -%}
            {%- set epoch = crm_load_epoch() -%}
            delete from {{ this }} where _load_batch is null or {{ epoch }} is null or _load_batch < {{ epoch }}
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
