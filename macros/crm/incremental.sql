{#- Incremental base models (docs/operations.md, "Incremental nights"; D119, D126). Their config
    (crm_incremental_config): incremental on DuckDB (delete + insert by key; pre-hook crm_incremental_reset,
    post-hook crm_record_incremental_mark), a table on the other engines. A raw row's load batch is
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
    them. The model then reads every raw row again. Also delete the rows without a key: delete+insert
    cannot match them, so a night reads all of them again (crm_changed_keys_filter). -#}
{% macro crm_incremental_reset(unique_key) -%}
    {%- if execute and is_incremental() -%}
        {%- if '_load_batch' in crm_relation_columns(this) -%}
            {%- set epoch = crm_load_epoch() -%}
            delete from {{ this }}
            where {{ unique_key }} is null or _load_batch is null or {{ epoch }} is null or _load_batch < {{ epoch }}
        {%- else -%}
            delete from {{ this }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The high-water marks of the incremental models (D126): a row per build of each, with the newest load
    batch the raw schema held when it ran. A night's changes are the raw rows of newer batches; the mark
    lets a model whose own table got no new rows still know which batches of the tables it reads it has
    seen (the highest `_load_batch` of its own rows would lag). Bookkeeping, not a model: the table lives
    in the staging schema, created by on-run-start (crm_create_incremental_marks), DuckDB only. -#}
{% macro crm_incremental_marks() -%}
    {{- return(api.Relation.create(
        database=target.database, schema=generate_schema_name('staging', none) | trim, identifier='_incremental_marks'
    )) -}}
{%- endmacro %}

{#- on-run-start, the first hook (the later ones query metadata, which opens a transaction dbt rolls back
    after the hooks): the table of high-water marks, when missing. -#}
{% macro crm_create_incremental_marks() -%}
    {%- if target.type == 'duckdb' -%}
        {%- set marks = crm_incremental_marks() -%}
        create schema if not exists {{ adapter.quote(marks.database) }}.{{ adapter.quote(marks.schema) }};
        create table if not exists {{ marks }} (model_name varchar, load_batch bigint, built_at timestamp)
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of an incremental model: record the newest load batch it has read (NULL when the raw tables
    carry no batches: the mark is then not used). -#}
{% macro crm_record_incremental_mark() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set files = crm_load_relation('_load_files') -%}
        {%- set newest = '(select max(load_batch) from ' ~ files ~ ')'
            if files is not none and 'load_batch' in crm_relation_columns(files) else 'null' -%}
        insert into {{ crm_incremental_marks() }}
        select '{{ this.identifier }}', {{ newest }}, current_timestamp
    {%- endif -%}
{%- endmacro %}

{#- SQL for the batch through which an incremental model has read the raw tables: its last mark, else
    (no mark yet) the highest batch of its own rows. -#}
{% macro crm_last_read_batch() -%}
    {%- set own = '(select coalesce(max(_load_batch), -1) from ' ~ this ~ ')' -%}
    {%- set marks = crm_incremental_marks() -%}
    {%- if adapter.get_relation(database=marks.database, schema=marks.schema, identifier=marks.identifier) is none -%}
        {{- return(own) -}}
    {%- endif -%}
    {{- return('(select coalesce(max(load_batch), ' ~ own ~ ') from ' ~ marks ~ " where model_name = '"
        ~ this.identifier ~ "')") -}}
{%- endmacro %}

{#- Whether the load batch of every table a model depends on is known (crm_typed_rows: depends_on,
    reads_rates). When one is not (a CRM adapter's model provides it), its changes cannot be found and the
    model reads every raw row. -#}
{% macro crm_dependency_batches_known(depends_on, reads_rates) -%}
    {%- set tables = depends_on | map(attribute='table') | list + (['currency_rates'] if reads_rates is sameas true else []) -%}
    {%- for t in tables -%}
        {%- if crm_table_exists(t) and crm_load_batch(t) == 'null' -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{- return(true) -}}
{%- endmacro %}

{#- The where clause of an incremental night (crm_typed_rows, alias source_rows): the raw rows of a newer
    batch, every version of their keys, and the keys whose rows may come out differently tonight: those
    quarantined as future-dated, those whose dependency (depends_on) changed or was not found, and those a
    change of the currency rates reaches (reads_rates, crm_rate_changed_keys). Keys are compared as clean
    text on both sides. The rows without a key are all read (the pre-hook crm_incremental_reset deleted
    them): they are few, and their columns may depend on what changed too. -#}
{% macro crm_changed_keys_filter(table_name, key, batch, depends_on=[], reads_rates=false) -%}
    {%- set last_batch = crm_last_read_batch() -%}
    {{ crm_text(key) }} is null
            or {{ crm_text(key) }} in (
                select {{ crm_text(key) }} from {{ crm_source(table_name) }} as source_rows
                where {{ batch }} > {{ last_batch }}
                union all
                select {{ key }} from {{ this }} where _quarantine_reason = 'future_timestamp'
                {%- for d in depends_on if d.found is defined %}
                union all
                select {{ key }} from {{ this }} where {{ d.column }} is not null and not {{ d.found }}
                {%- endfor %}
                {%- if reads_rates %}
                union all
                {{ crm_rate_changed_keys(key, reads_rates, last_batch) | indent(16) }}
                {%- endif %}
            )
            {%- for d in depends_on if crm_table_exists(d.table) %}
            {%- set their_key = d.key if d.key is defined else crm_contract_table(d.table).key[0] %}
            or {{ crm_text(d.column) }} in (
                select {{ crm_text(their_key) }} from {{ crm_source(d.table) }} as source_rows
                where {{ crm_load_batch(d.table) }} > {{ last_batch }}
            )
            {%- endfor %}
{%- endmacro %}

{#- The keys of the model's rows (this) that a change of the currency rates since `last_batch` can reach
    (D134). A rate applies from its day to the next rate of its currency (crm_join_rates), so a rate row of
    a newer batch (new, corrected or quarantined) changes at most the rows of its currency that converted
    on or after its day; a currency that gains its first kept rate or loses its last one changes
    `_currency_is_known` on every row of it. With reads_rates = {'model': m, 'column': c} the rows copy
    currency_code and rate_to_reporting from the row of model m whose key is c (order lines, from their
    order): the rows whose copy differs. A table built before `_rate_date` existed: every row, when the
    rates have a newer batch. -#}
{% macro crm_rate_changed_keys(key, reads_rates, last_batch) -%}
    {%- set columns = crm_relation_columns(this) -%}
    {%- if reads_rates is mapping -%}
select built.{{ key }} from {{ this }} as built
inner join {{ ref(reads_rates.model) }} as copied
    on built.{{ reads_rates.column }} = copied.{{ reads_rates.column }}
where built.currency_code is distinct from copied.currency_code
    or built.rate_to_reporting is distinct from copied.rate_to_reporting
    {%- elif '_rate_date' in columns -%}
select built.{{ key }} from {{ this }} as built
inner join (
    select
        currency_code,
        min(rate_date) as first_changed_day
    from {{ ref('base_crm__currency_rates') }}
    where _load_batch > {{ last_batch }} and currency_code is not null and rate_date is not null
    group by currency_code
) as changed_rates
    on built.currency_code = changed_rates.currency_code
    and (built._rate_date is null or built._rate_date >= changed_rates.first_changed_day)
union all
select built.{{ key }} from {{ this }} as built
{{ crm_join_known_currencies('built.currency_code') }}
where built._currency_is_known is distinct from {{ crm_currency_is_known('built.currency_code') }}
    {%- else -%}
select {{ key }} from {{ this }}
where exists (
    select 1 from {{ crm_source('currency_rates') }} as source_rows
    where {{ crm_load_batch('currency_rates') }} > {{ last_batch }}
)
    {%- endif -%}
{%- endmacro %}

{#- The config of an incremental base model (D119): incremental on DuckDB, deleting and inserting the rows
    of each key read again, after crm_incremental_reset; a table on the other engines. -#}
{% macro crm_incremental_config(unique_key) -%}
    {{- return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'append_new_columns',
        'pre_hook': "{{ crm_incremental_reset('" ~ unique_key ~ "') }}",
        'post_hook': '{{ crm_record_incremental_mark() }}',
    }) -}}
{%- endmacro %}
