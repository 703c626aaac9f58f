{#- The shared part of every base_crm__<table> model: read the raw table, clean and type every contract
    column, find the current version of each key, and flag what staging must quarantine. The base model
    then adds its table's own checks and calls crm_disposition(). Rules: docs/staging_rules.md. -#}

{#- Every raw row of a contract table, typed, with diagnostics:
      _row_hash                   hash of the whole cleaned row (deterministic tie-breaks)
      _raw_key                    the key as text, for the quarantine report
      _key_is_invalid             a key column is missing or unparseable
      _version_rank               1 for the current version of a key (latest updated_at)
      _first_seen_at              earliest updated_at of any version of the key (NULL without updated_at):
                                  the first time the extract saw the record, a documented date fallback
      _missing_required_column    first required column that is empty
      _unparseable_column / _unparseable_reason / _unparseable_value
    lower / upper: columns to lower-case or upper-case; collapse: inner whitespace collapsed;
    required: columns that must be present.
    load_batch: every row also carries its load batch `_load_batch` (crm_load_batch), for a model that is
    not incremental but whose changes incremental models look for (currency_rates, reads_rates below).
    incremental: the model is incremental (crm_incremental_config): every row also carries its load batch
    `_load_batch` (crm_load_batch), and an incremental run reads only the raw rows of the keys that are new
    or changed since the model's last batch (with a composite key: of the values of one text column of it,
    `incremental_key`, by default the first, every row of each, which the model deletes and inserts; its
    NULLs are read every night), plus the keys it quarantined as
    future-dated (a later day may accept them): every version of those keys, so ranks come out as in a
    full build. A model that reads other tables says so, and its rows are read again when what they read
    may have changed (crm_changed_keys_filter):
      depends_on   [{table, column, key (default: the table's key), found (optional flag column)}]: the
                   rows whose `column` is a `key` of `table` in a newer batch, and the rows whose `found`
                   flag is false (the parent was not kept, and a later day may keep it);
      reads_rates  the model converts money (crm_changed_keys_filter): true when it joins the rates itself
                   (its rows carry currency_code, _currency_is_known and the day they converted at,
                   _rate_date): the rows a rate of a newer batch can reach, of its currency and on or after
                   its day, and the rows whose currency became known or unknown; or
                   {'model': ..., 'column': ...} when it copies currency_code and rate_to_reporting from the
                   row of that staging model whose key is `column`: the rows whose copy differs from it.
    The SQL is four named steps, read top to bottom (docs/staging_rules.md, "How a base model compiles"):
      source_text   every contract column as clean text `<column>__text` (trimmed, NULL when empty), and
                    the extra columns as they are
      typed         the row hash and the key text (from the clean text), and every column parsed once by its
                    contract type: NULL when present text does not parse
      checked       the diagnostics, comparing each parsed value with its text
      versioned     the version rank of each key and the first time it was seen -#}
{% macro crm_typed_rows(
    table_name, lower=[], upper=[], collapse=[], required=[], incremental=false, depends_on=[], reads_rates=false,
    incremental_key=none, load_batch=false
) -%}
    {%- if not execute -%}
        {#- Parsing: the graph is not built yet; only record the dependencies on the source (and on the
            CRM adapter's model when var crm_source names one that provides this table). -#}
        {%- do source('crm', table_name) -%}
        {%- set adapter_model = crm_adapter_model(table_name) -%}
        {%- if adapter_model is not none -%}{%- do ref(adapter_model) -%}{%- endif -%}
        {#- and on what an incremental night reads to find the rows a rate change reaches -#}
        {%- if incremental and reads_rates is mapping -%}{%- do ref(reads_rates.model) -%}
        {%- elif incremental and reads_rates -%}{%- do ref('base_crm__currency_rates') -%}{%- do ref('stg_crm__currency_rates') -%}
        {%- endif -%}
        {{- return('select 1') -}}
    {%- endif -%}
    {%- set table = crm_contract_table(table_name) -%}
    {%- set columns = [] -%}
    {%- for name, data_type in table.columns -%}
        {%- do columns.append({'name': name, 'data_type': data_type}) -%}
    {%- endfor -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- set key = table.key -%}
    {%- for c in lower + upper + collapse + required -%}
        {%- if c not in names -%}
            {{ exceptions.raise_compiler_error("crm_typed_rows(" ~ table_name ~ "): unknown column " ~ c) }}
        {%- endif -%}
    {%- endfor -%}
    {#- typed columns in the order of the documented rules: numbers, then timestamps, then booleans -#}
    {#- a column the raw table already types (Parquet) has no whitespace to trim and a canonical format -#}
    {%- set raw_types = crm_raw_types(table_name) -%}
    {%- set formats = crm_column_formats(table_name, columns, raw_types) -%}
    {#- columns beyond the contract's ride along unchanged (crm_extra_columns) -#}
    {%- set extras = crm_extra_columns(table_name) -%}
    {#- a currency written in an amount must be the row's own (tables whose money is in currency_code) -#}
    {%- set currency = 'upper(currency_code__text)' if 'currency_code' in names and table_name != 'currency_rates' else none -%}
    {%- set typed_columns = [] -%}
    {%- for reason in ['unparseable_number', 'unparseable_timestamp', 'unparseable_boolean'] -%}
        {%- for c in columns if crm_unparseable_reason(c.data_type) == reason -%}
            {%- do typed_columns.append(c) -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- a key is invalid when a column of it is missing (unless the contract lets it be NULL) or unparseable -#}
    {%- set key_checks = [] -%}
    {%- for k in key -%}
        {%- if k not in table.nullable_key -%}{%- do key_checks.append(k ~ '__text is null') -%}{%- endif -%}
        {%- if (columns | selectattr('name', 'equalto', k) | first).data_type != 'varchar' -%}
            {%- do key_checks.append('(' ~ k ~ '__text is not null and ' ~ k ~ ' is null)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set with_batch = incremental or load_batch -%}
    {%- set batch = crm_load_batch(table_name) if with_batch else none -%}
    {%- set only_changed_keys = incremental and batch != 'null' and is_incremental() and '_load_batch' in crm_relation_columns(this)
        and crm_dependency_batches_known(depends_on, reads_rates) -%}
    {%- set changed_key = incremental_key or key[0] -%}
    {%- if incremental and (changed_key not in key or (columns | selectattr('name', 'equalto', changed_key) | first).data_type != 'varchar') -%}
        {{ exceptions.raise_compiler_error("crm_typed_rows(" ~ table_name ~ "): incremental needs a text column of the key, got " ~ changed_key) }}
    {%- endif -%}
    {#- a night deletes and inserts by the config's unique_key the rows it read by changed_key: the same column -#}
    {%- if incremental and config.get('materialized') == 'incremental' and config.get('unique_key') != changed_key -%}
        {{ exceptions.raise_compiler_error("crm_typed_rows(" ~ table_name ~ "): the rows are read by " ~ changed_key ~ " but replaced by unique_key " ~ config.get('unique_key') ~ ": pass the same column to crm_incremental_config") }}
    {%- endif -%}
    with

    source_text as (
        select
            {%- for c in names %}
            {% if crm_is_typed_value(raw_types.get(c, 'varchar')) %}cast({{ c }} as {{ dbt.type_string() }}){% else %}{{ crm_text(c) }}{% endif %} as {{ c }}__text{{ "," if not loop.last or extras or with_batch }}
            {%- endfor %}
            {%- for extra in extras %}
            source_rows.{{ adapter.quote(extra) }}{{ "," if not loop.last or with_batch }}
            {%- endfor %}
            {%- if with_batch %}
            cast({{ batch }} as {{ dbt.type_bigint() }}) as _load_batch
            {%- endif %}
        from {{ crm_source(table_name) }} as source_rows
        {%- if only_changed_keys %}
        where
            {{ crm_changed_keys_filter(table_name, changed_key, batch, depends_on, reads_rates) }}
        {%- endif %}
    ),

    typed as (
        select
            source_text.*,
            {{ dbt.hash(crm_row_text(names)) }} as _row_hash,
            {{ crm_key_text(key) }} as _raw_key,
            {%- for c in columns %}
            {{ crm_sql_block(parse_contract_type(crm_clean_label(c.name ~ '__text', c.name, lower, upper, collapse), c.data_type, formats[c.name], currency), 12) }} as {{ c.name }}{{ "," if not loop.last }}
            {%- endfor %}
        from source_text
    ),

    checked as (
        select
            _row_hash,
            _raw_key,
            {%- for c in names %}
            {{ c }},
            {%- endfor %}
            {%- for extra in extras %}
            {{ adapter.quote(extra) }},
            {%- endfor %}
            {%- if with_batch %}
            _load_batch,
            {%- endif %}
            {{ '(' ~ key_checks | join(' or ') ~ ')' if key_checks else 'false' }} as _key_is_invalid,
            {%- if required %}
            case
                {%- for c in required %}
                when {{ c }}__text is null then '{{ c }}'
                {%- endfor %}
            end as _missing_required_column,
            {%- else %}
            cast(null as {{ dbt.type_string() }}) as _missing_required_column,
            {%- endif %}
            {%- for attr in ['column', 'reason', 'value'] %}
            {%- if typed_columns %}
            case
                {%- for c in typed_columns %}
                when {{ c.name }}__text is not null and {{ c.name }} is null
                    then {% if attr == 'column' %}'{{ c.name }}'
                    {%- elif attr == 'reason' %}'{{ crm_unparseable_reason(c.data_type) }}'
                    {%- else %}{{ crm_sql_block(crm_unparseable_value(c.name ~ '__text', c.data_type, formats[c.name], currency), 20) }}
                    {%- endif %}
                {%- endfor %}
            end as _unparseable_{{ attr }}{{ "," if not loop.last }}
            {%- else %}
            cast(null as {{ dbt.type_string() }}) as _unparseable_{{ attr }}{{ "," if not loop.last }}
            {%- endif %}
            {%- endfor %}
        from typed
    ),

    versioned as (
        select
            checked.*,
            -- a row without a valid key has no versions: it is its own first and only one
            case when _key_is_invalid then 1 else row_number() over (
                partition by {{ key | join(', ') }}
                order by {% if 'updated_at' in names %}updated_at desc nulls last, {% endif %}_row_hash
            ) end as _version_rank,
            {%- if 'updated_at' in names %}
            case
                when _key_is_invalid then updated_at
                else min(updated_at) over (partition by {{ key | join(', ') }})
            end as _first_seen_at
            {%- else %}
            cast(null as {{ dbt.type_timestamp() }}) as _first_seen_at
            {%- endif %}
        from checked
    )

    select * from versioned
{%- endmacro %}

{#- A multi-line SQL expression from a macro (whose lines carry the macro's own four-space indentation)
    placed `width` columns in. -#}
{% macro crm_sql_block(sql, width) -%}
    {{- return(sql | trim | replace('\n    ', '\n') | indent(width)) -}}
{%- endmacro %}

{#- Apply label normalisation to a cleaned text column. -#}
{% macro crm_clean_label(text, name, lower, upper, collapse) -%}
    {%- if name in lower -%}lower({{ collapse_whitespace(text) }})
    {%- elif name in upper -%}upper({{ text }})
    {%- elif name in collapse -%}{{ collapse_whitespace(text) }}
    {%- else -%}{{ text }}
    {%- endif -%}
{%- endmacro %}

{#- All cleaned text columns of a row as one string (NULL-safe), for hashing. -#}
{% macro crm_row_text(names) -%}
    {%- set parts = [] -%}
    {%- for c in names -%}
        {%- do parts.append("coalesce(" ~ c ~ "__text, '\\\\N')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- The key as readable text: the value itself, or col=value pairs for composite keys. -#}
{% macro crm_key_text(key) -%}
    {%- if key | length == 1 -%}
        {{ key[0] }}__text
    {%- else -%}
        {%- set parts = [] -%}
        {%- for k in key -%}
            {%- do parts.append("'" ~ k ~ "='") -%}
            {%- do parts.append("coalesce(" ~ k ~ "__text, 'NULL')") -%}
            {%- if not loop.last -%}{%- do parts.append("'; '") -%}{%- endif -%}
        {%- endfor -%}
        {{ dbt.concat(parts) }}
    {%- endif -%}
{%- endmacro %}

{#- Disposition and quarantine reason of each row, evaluated in the documented order. `rules` is a list
    of {when: condition, reason: code, detail: optional SQL text} checked after the shared rules. -#}
{% macro crm_disposition(rules=[], soft_delete=true) -%}
    {%- set shared = [
        {'when': '_missing_required_column is not null', 'reason': "'missing_required_value'",
         'detail': '_missing_required_column'},
        {'when': '_unparseable_reason is not null', 'reason': '_unparseable_reason',
         'detail': dbt.concat(['_unparseable_column', "'='", '_unparseable_value'])},
    ] -%}
    {%- set all_rules = shared -%}
    {%- for rule in rules -%}
        {%- do all_rules.append({
            'when': rule.when,
            'reason': "'" ~ rule.reason ~ "'",
            'detail': rule.get('detail') or 'null',
        }) -%}
    {%- endfor -%}
    {%- for attr in ['disposition', 'quarantine_reason', 'quarantine_detail'] %}
        case
            when _key_is_invalid then {% if attr == 'disposition' %}'quarantined'{% elif attr == 'quarantine_reason' %}'invalid_key'{% else %}_raw_key{% endif %}
            when _version_rank > 1 then {% if attr == 'disposition' %}'superseded'{% else %}null{% endif %}
            {%- if soft_delete %}
            when is_deleted then {% if attr == 'disposition' %}'soft_deleted'{% else %}null{% endif %}
            {%- endif %}
            {%- for rule in all_rules %}
            when {{ rule.when }} then {% if attr == 'disposition' %}'quarantined'{% elif attr == 'quarantine_reason' %}{{ rule.reason }}{% else %}{{ rule.detail }}{% endif %}
            {%- endfor %}
            else {% if attr == 'disposition' %}'kept'{% else %}null{% endif %}
        end as _{{ attr }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Rule: an event timestamp later than today (the wall clock in the reporting time zone, not the as-of
    date) plus the grace days: it cannot have happened yet, so the row is bad data. A backfill to a past
    as-of date keeps later events; the facts leave out what happened after the as-of date. -#}
{% macro crm_future_rule(columns) -%}
    {%- set limit = dbt.dateadd('day', 1 + non_negative_int_var('future_grace_days', 1), reporting_today()) -%}
    {%- set conditions = [] -%}
    {%- for c in columns -%}{%- do conditions.append(c ~ " >= " ~ limit) -%}{%- endfor -%}
    {{- return({'when': '(' ~ conditions | join(' or ') ~ ')', 'reason': 'future_timestamp'}) -}}
{%- endmacro %}

{#- Rule: a non-NULL foreign key whose kept parent was not found (`found` is a boolean expression). -#}
{% macro crm_orphan_rule(column, found) -%}
    {{- return({
        'when': column ~ ' is not null and not ' ~ found,
        'reason': 'orphaned_' ~ column,
        'detail': column,
    }) -}}
{%- endmacro %}

{#- Data-quality warnings: conditions under which staging KEEPS a row (its business can be interpreted
    without the broken or missing value) but flags it and counts it. Each warning is {flag, when, detail}
    and becomes a boolean column `flag`, true only on kept rows where `when` holds; int_raw_rows_flagged
    lists every flagged row and the run summary counts them. The warnings of each table are declared once,
    in crm_warning_rules() (macros/crm/warnings.sql). Use after crm_disposition() has set _disposition. -#}
{% macro crm_warning_flags(table_name) -%}
    {%- for w in crm_warning_rules(table_name) %}
    coalesce(_disposition = 'kept' and ({{ w.when }}), false) as {{ w.flag }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
