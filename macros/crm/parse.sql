{#- Parsing raw values with try_cast semantics: a value that does not parse becomes NULL, and the staging
    model compares it with the raw text to quarantine the row as unparseable. How raw text is written is
    declared, never guessed (docs/staging_rules.md, "Parsing"):
      raw_timezone             the zone of timestamps written without an offset (default: reporting zone)
      raw_locale               a preset of the three below (id-ID: 1.500.000,00 and 31/12/2025)
      raw_decimal_separator    period (default) or comma
      raw_thousands_separator  none (default), period, comma, space or apostrophe
      raw_date_order           YMD (ISO 8601 only, default), DMY or MDY (also accept 31/12/2025 or 12/31/2025)
      raw_table_formats        the same per table: {orders: {locale: id-ID}, products: {date_order: MDY}}
    `fmt` below is the result of raw_format(table_name) (macros/project/vars.sql). -#}

{#- A raw timestamp as UTC (helper for code outside the staging framework: ISO text, raw_timezone). -#}
{% macro crm_timestamp(column) -%}
    {{ parse_timestamp(crm_text(column), raw_format(none)) }}
{%- endmacro %}

{#- The parse_* macros take text that crm_text already cleaned. Text must look like what the rules accept
    before the engine's cast sees it: engines also accept 'infinity', 'epoch', hex or '1_000', which are
    not values a CRM export means. -#}

{#- ISO 8601 date or date-time, optional fraction, optional offset (Z, UTC, +07, +0700, +07:00). -#}
{% macro iso_timestamp_pattern() -%}
    {{- return('[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?'
               ~ '( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?))?') -}}
{%- endmacro %}

{#- The same with a mandatory offset: an instant, whatever raw_timezone says. -#}
{% macro iso_offset_timestamp_pattern() -%}
    {{- return('[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?'
               ~ ' ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)') -}}
{%- endmacro %}

{#- A day-month-year or month-day-year date (separator / . or -, four-digit year), optional HH:MM[:SS]. -#}
{% macro numeric_date_pattern() -%}
    {{- return('[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?') -}}
{%- endmacro %}

{#- A plain decimal number, optionally signed, optionally with an exponent (no thousands separators). -#}
{% macro decimal_pattern() -%}
    {{- return('[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?') -}}
{%- endmacro %}

{#- A whole number; a zero fraction (12.0, as some exports write integers) is accepted, 12.5 is not. -#}
{% macro integer_pattern() -%}
    {{- return('[+-]?[0-9]+([.]0*)?') -}}
{%- endmacro %}

{#- A number written with a declared decimal and thousands separator (groups of exactly three digits). -#}
{% macro locale_number_pattern(fmt) -%}
    {%- set d = '[' ~ fmt.decimal ~ ']' -%}
    {%- if fmt.thousands -%}
        {%- set t = '[' ~ fmt.thousands ~ ']' -%}
        {{- return('[+-]?([0-9]{1,3}(' ~ t ~ '[0-9]{3})+|[0-9]+)(' ~ d ~ '[0-9]+)?') -}}
    {%- else -%}
        {{- return('[+-]?[0-9]+(' ~ d ~ '[0-9]+)?') -}}
    {%- endif -%}
{%- endmacro %}

{#- A number that only a declared locale reads (thousands groups or a decimal comma): for the hint. -#}
{% macro foreign_number_pattern() -%}
    {{- return('[+-]?[0-9]{1,3}([., ][0-9]{3})+([.,][0-9]+)?|[+-]?[0-9]+,[0-9]+') -}}
{%- endmacro %}

{#- A currency written in an amount: Rp / Rp. (rupiah), a three-letter code, US$, S$ or EUR sign. -#}
{% macro currency_marker_prefix() -%}{{ return('^(Rp[.]?|RP[.]?|[A-Z]{3}|US[$]|S[$]|€) ?') }}{%- endmacro %}
{% macro currency_marker_suffix() -%}{{ return(' ?(Rp[.]?|RP[.]?|[A-Z]{3})$') }}{%- endmacro %}

{#- The ISO code of the currency marker in an amount's text, NULL when there is none. -#}
{% macro currency_marker(text) -%}
    nullif(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            coalesce(
                nullif({{ regexp_group(text, currency_marker_prefix()) }}, ''),
                nullif({{ regexp_group(text, currency_marker_suffix()) }}, '')
            ),
            '^R[Pp][.]?$', 'IDR'), '^US[$]$', 'USD'), '^S[$]$', 'SGD'), '^€$', 'EUR'),
        ''
    )
{%- endmacro %}

{#- A timestamp as UTC. An offset in the text wins; text without one is wall-clock time in raw_timezone.
    ISO 8601 always; D/M/Y or M/D/Y only when declared (fmt.date_order). -#}
{% macro parse_timestamp(text, fmt=none) -%}
    {%- set fmt = fmt or raw_format(none) -%}
    case
        when {{ matches_pattern(text, iso_offset_timestamp_pattern()) }}
            then {{ adapter.dispatch('parse_offset_timestamp', 'sales_kpis')(text) }}
        when {{ matches_pattern(text, iso_timestamp_pattern()) }}
            then {{ local_to_utc(adapter.dispatch('parse_local_timestamp', 'sales_kpis')(text), fmt.timezone) }}
        {%- if fmt.date_order != 'YMD' %}
        when {{ matches_pattern(text, numeric_date_pattern()) }}
            then {{ local_to_utc(parse_numeric_date(text, fmt.date_order), fmt.timezone) }}
        {%- endif %}
    end
{%- endmacro %}

{#- Wall-clock time in a zone as a UTC timestamp (nothing to do for UTC). -#}
{% macro local_to_utc(expr, timezone) -%}
    {%- if timezone == 'UTC' -%}{{ expr }}
    {%- else -%}{{ adapter.dispatch('local_to_utc', 'sales_kpis')(expr, timezone) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__local_to_utc(expr, timezone) -%}
    (({{ expr }}) at time zone '{{ timezone }}') at time zone 'UTC'
{%- endmacro %}

{#- Spark timestamps are instants shown in the session zone, which the spark target sets to UTC. -#}
{% macro spark__local_to_utc(expr, timezone) -%}
    to_utc_timestamp({{ expr }}, '{{ timezone }}')
{%- endmacro %}

{#- Spark: the text split into its wall-clock part (group 1) and its offset (group 6). -#}
{% macro spark_timestamp_part(text, group) -%}
    regexp_extract({{ text }}, '^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?)( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?))?$', {{ group }})
{%- endmacro %}

{% macro default__parse_offset_timestamp(text) -%}
    ({{ cast_or_null(text, 'timestamptz') }} at time zone 'UTC')
{%- endmacro %}

{#- Spark: the wall-clock part read in the written offset, as +hh:mm (Z and UTC are UTC). -#}
{% macro spark__parse_offset_timestamp(text) -%}
    {%- set offset = spark_timestamp_part(text, 6) -%}
    to_utc_timestamp(
        cast({{ spark_timestamp_part(text, 1) }} as timestamp),
        case
            when {{ offset }} in ('Z', 'UTC') then 'UTC'
            else concat(substr({{ offset }}, 1, 3), ':', coalesce(nullif(substr(replace({{ offset }}, ':', ''), 4, 2), ''), '00'))
        end
    )
{%- endmacro %}

{#- The wall-clock time written, offset (if any) ignored. -#}
{% macro default__parse_local_timestamp(text) -%}
    {{ cast_or_null(text, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro spark__parse_local_timestamp(text) -%}
    try_cast({{ spark_timestamp_part(text, 1) }} as timestamp)
{%- endmacro %}

{#- 31/12/2025 (DMY) or 12/31/2025 (MDY), with / . or - and an optional time, as a timestamp (NULL when
    it is no calendar date). The text has matched numeric_date_pattern(). -#}
{% macro parse_numeric_date(text, date_order) -%}
    {{ return(adapter.dispatch('parse_numeric_date', 'sales_kpis')(text, date_order)) }}
{%- endmacro %}

{#- Rewritten as ISO 8601 (year-month-day and the time as written), then cast. -#}
{% macro default__parse_numeric_date(text, date_order) -%}
    {%- set iso = '\\3-\\2-\\1\\4' if date_order == 'DMY' else '\\3-\\1-\\2\\4' -%}
    {{ cast_or_null("regexp_replace(" ~ text ~ ", '^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(.*)$', '"
        ~ iso ~ "')", dbt.type_timestamp()) }}
{%- endmacro %}

{#- Spark's regexp_replace writes a group as $1. -#}
{% macro spark__parse_numeric_date(text, date_order) -%}
    {%- set iso = '$3-$2-$1$4' if date_order == 'DMY' else '$3-$1-$2$4' -%}
    {{ cast_or_null("regexp_replace(" ~ text ~ ", '^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(.*)$', '"
        ~ iso ~ "')", dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__parse_numeric_date(text, date_order) -%}
    {%- set day_month = '%d{s}%m' if date_order == 'DMY' else '%m{s}%d' -%}
    {%- set formats = [] -%}
    {%- for s in ['/', '.', '-'] -%}
        {%- for time in [' %H:%M:%S', ' %H:%M', ''] -%}
            {%- do formats.append("'" ~ day_month.replace('{s}', s) ~ s ~ '%Y' ~ time ~ "'") -%}
        {%- endfor -%}
    {%- endfor -%}
    try_strptime({{ text }}, [{{ formats | join(', ') }}])
{%- endmacro %}

{#- A date: the calendar date as written (a timestamp's offset, if any, does not move it). -#}
{% macro parse_date(text, fmt=none) -%}
    {%- set fmt = fmt or raw_format(none) -%}
    case
        when {{ matches_pattern(text, iso_timestamp_pattern()) }}
            then cast({{ adapter.dispatch('parse_local_timestamp', 'sales_kpis')(text) }} as date)
        {%- if fmt.date_order != 'YMD' %}
        when {{ matches_pattern(text, numeric_date_pattern()) }}
            then cast({{ parse_numeric_date(text, fmt.date_order) }} as date)
        {%- endif %}
    end
{%- endmacro %}

{#- A number in the declared format; `currency` (SQL text of the row's currency code, or none) says
    whether a currency marker may be written in the amount: it must name the row's own currency.
    A marker starts with a letter, `$` or `€`, or ends with Rp, RP or a three-letter code: no number pattern
    accepts such text. So a table without currency_code parses the text as it is (a marker leaves it
    unparseable), and text of only digits, signs, separators and spaces skips the search for a marker. -#}
{% macro parse_number(text, data_type, fmt=none, currency=none) -%}
    {%- set fmt = fmt or raw_format(none) -%}
    {%- if currency is none -%}
        {{ parse_plain_number(text, data_type, fmt) }}
    {%- else -%}
        {#- no marker: the text itself; the row's own currency: the text without it; another: NULL -#}
        {%- set number_text -%}
            case
                when {{ matches_pattern(text, '[-+0-9., ]*') }} then {{ text }}
                else
                    case coalesce({{ currency_marker(text) }}, '')
                        when '' then {{ text }}
                        when upper({{ currency }})
                            then {{ trim_whitespace("regexp_replace(regexp_replace(" ~ text ~ ", '"
                                ~ currency_marker_prefix() ~ "', ''), '" ~ currency_marker_suffix() ~ "', '')") }}
                    end
            end
        {%- endset -%}
        {{ parse_plain_number(number_text, data_type, fmt) }}
    {%- endif -%}
{%- endmacro %}

{#- A number without currency marker: the plain form always, the declared locale's form too. -#}
{% macro parse_plain_number(text, data_type, fmt) -%}
    {%- set localised = fmt.decimal != '.' or fmt.thousands -%}
    {%- set canonical -%}
        {%- if localised -%}
            case
                when {{ matches_pattern(text, locale_number_pattern(fmt)) }}
                    then replace({{ "replace(" ~ text ~ ", '" ~ fmt.thousands ~ "', '')" if fmt.thousands else text }},
                                 '{{ fmt.decimal }}', '.')
            end
        {%- else -%}{{ text }}
        {%- endif -%}
    {%- endset -%}
    {%- if data_type | lower == 'integer' %}
    case
        when {{ matches_pattern(canonical, integer_pattern()) }}
            then {{ cast_or_null(cast_or_null(canonical, 'decimal(38, 10)'), data_type) }}
    end
    {%- else %}
    case
        when {{ matches_pattern(canonical, decimal_pattern()) }} then {{ cast_or_null(canonical, data_type) }}
    end
    {%- endif %}
{%- endmacro %}

{% macro parse_boolean(text) -%}
    case
        when lower({{ text }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ text }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- Parse clean text by its contract type (as written in the sources file). -#}
{% macro parse_contract_type(text, data_type, fmt=none, currency=none) -%}
    {%- set t = data_type | lower -%}
    {%- if t == 'timestamp' -%}{{ parse_timestamp(text, fmt) }}
    {%- elif t == 'date' -%}{{ parse_date(text, fmt) }}
    {%- elif t == 'boolean' -%}{{ parse_boolean(text) }}
    {%- elif t.startswith('decimal') or t == 'integer' -%}{{ parse_number(text, t, fmt, currency) }}
    {%- else -%}{{ text }}
    {%- endif -%}
{%- endmacro %}

{#- The quarantine reason when a present raw value does not parse as its contract type. -#}
{% macro crm_unparseable_reason(data_type) -%}
    {%- set t = data_type | lower -%}
    {%- if t in ('timestamp', 'date') -%}unparseable_timestamp
    {%- elif t == 'boolean' -%}unparseable_boolean
    {%- elif t.startswith('decimal') or t == 'integer' -%}unparseable_number
    {%- endif -%}
{%- endmacro %}

{#- The unparseable value for the quarantine detail, with a hint when a declared format would read it. -#}
{% macro crm_unparseable_value(text, data_type, fmt, currency=none) -%}
    {%- set t = data_type | lower -%}
    {%- set value = 'substr(' ~ text ~ ', 1, 200)' -%}
    {%- if t in ('timestamp', 'date') and fmt.date_order == 'YMD' -%}
    case
        when {{ matches_pattern(text, numeric_date_pattern()) }}
            then {{ dbt.concat([value, "' (a day/month/year or month/day/year date: declare raw_date_order DMY or "
                ~ "MDY, or raw_locale such as id-ID (--raw-locale))'"]) }}
        else {{ value }}
    end
    {%- elif t.startswith('decimal') or t == 'integer' -%}
    {%- set against = ["', currency_code '", "coalesce(" ~ currency ~ ", 'missing')"] if currency is not none
        else ["', and this table has no currency_code to check it against'"] %}
    case
        when {{ currency_marker(text) }} is not null
            then {{ dbt.concat([value, "' (currency '", currency_marker(text), "' in the text'"] + against + ["')'"]) }}
        {%- if fmt.decimal == '.' and not fmt.thousands %}
        when {{ matches_pattern(text, foreign_number_pattern()) }}
            then {{ dbt.concat([value, "' (thousands separators or a decimal comma: declare raw_locale such as "
                ~ "id-ID (--raw-locale), or raw_decimal_separator and raw_thousands_separator)'"]) }}
        {%- endif %}
        else {{ value }}
    end
    {%- else -%}{{ value }}
    {%- endif -%}
{%- endmacro %}

{#- The format of each typed column of a raw table: the declared one for text columns; the canonical one
    for columns the raw table already types (a Parquet DECIMAL's text is `1500000.00` whatever locale
    the CSV exports use). Typed timestamps without a zone still read in raw_timezone. -#}
{% macro crm_column_formats(table_name, columns, raw_types) -%}
    {%- set declared = raw_format(table_name) -%}
    {%- set canonical = {'decimal': '.', 'thousands': '', 'date_order': 'YMD', 'timezone': declared.timezone} -%}
    {%- set formats = {} -%}
    {%- for c in columns -%}
        {%- set raw_type = raw_types.get(c.name, 'varchar') -%}
        {%- set is_text = raw_type.startswith('varchar') or raw_type in ('text', 'string') -%}
        {%- do formats.update({c.name: declared if is_text else canonical}) -%}
    {%- endfor -%}
    {{- return(formats) -}}
{%- endmacro %}

{#- The type of each column of the raw table, lower case ({} in unit tests and for a missing table). -#}
{% macro crm_raw_types(table_name) -%}
    {%- set raw_types = {} -%}
    {%- if execute and not crm_in_unit_test() and crm_table_exists(table_name) -%}
        {%- set adapter_model = crm_adapter_model(table_name) -%}
        {%- set relation = ref(adapter_model) if adapter_model is not none else source('crm', table_name) -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do raw_types.update({col.name | lower: col.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(raw_types) -}}
{%- endmacro %}

{#- Whether a raw column type holds a number, boolean, date or timestamp, whose text has no whitespace. -#}
{% macro crm_is_typed_value(raw_type) -%}
    {%- set prefixes = ['timestamp', 'date', 'bool', 'decimal', 'numeric', 'integer', 'int2', 'int4', 'int8',
                        'bigint', 'smallint', 'tinyint', 'hugeint', 'double', 'float', 'real'] -%}
    {%- for prefix in prefixes if raw_type.startswith(prefix) -%}{{- return(true) -}}{%- endfor -%}
    {{- return(raw_type == 'int') -}}
{%- endmacro %}
