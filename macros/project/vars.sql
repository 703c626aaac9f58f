{#- Project variables, each validated where it is read, so a bad value fails compilation with a clear
    message instead of reaching SQL. Values that reach SQL are checked against strict patterns. -#}

{% macro _var_error(name, value, expected) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid project variable " ~ name ~ "=" ~ (value | string | tojson) ~ ": expected " ~ expected ~ "."
    ) }}
{%- endmacro %}

{% macro reporting_currency() -%}
    {%- set value = var('reporting_currency', 'IDR') | string -%}
    {%- if value not in iso_4217_codes() -%}
        {{ _var_error('reporting_currency', value, 'an ISO 4217 currency code in capitals, such as IDR or USD') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{% macro reporting_timezone() -%}
    {%- set value = var('reporting_timezone', 'Asia/Jakarta') | string -%}
    {%- if value not in modules.pytz.all_timezones_set -%}
        {{ _var_error('reporting_timezone', value, 'an IANA time zone name, such as Asia/Jakarta') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The zone of raw timestamps written without an offset (default: the reporting time zone). -#}
{% macro raw_timezone() -%}
    {%- set value = var('raw_timezone', none) -%}
    {%- if value is none or (value | string) in ('', 'none', 'None', 'null') -%}
        {{- return(reporting_timezone()) -}}
    {%- endif -%}
    {%- if (value | string) not in modules.pytz.all_timezones_set -%}
        {{ _var_error('raw_timezone', value, 'an IANA time zone name, such as Asia/Jakarta or UTC') }}
    {%- endif -%}
    {{- return(value | string) -}}
{%- endmacro %}

{#- Raw number and date formats: locale presets (decimal separator, thousands separator, date order). -#}
{% macro raw_locales() -%}
    {{- return({
        'iso': ['period', 'none', 'YMD'],
        'id-ID': ['comma', 'period', 'DMY'],
        'en-US': ['period', 'comma', 'MDY'],
        'en-GB': ['period', 'comma', 'DMY'],
        'en-SG': ['period', 'comma', 'DMY'],
        'en-AU': ['period', 'comma', 'DMY'],
        'ms-MY': ['period', 'comma', 'DMY'],
        'de-DE': ['comma', 'period', 'DMY'],
        'nl-NL': ['comma', 'period', 'DMY'],
        'es-ES': ['comma', 'period', 'DMY'],
        'it-IT': ['comma', 'period', 'DMY'],
        'pt-BR': ['comma', 'period', 'DMY'],
        'fr-FR': ['comma', 'space', 'DMY'],
    }) -}}
{%- endmacro %}

{#- One level of format settings ({locale, decimal_separator, thousands_separator, date_order}) applied
    over `base` (a list [decimal, thousands, date_order] of names), validated. -#}
{% macro _apply_raw_format(base, settings, where) -%}
    {%- set result = base[:] -%}
    {%- set names = {'decimal_separator': ['period', 'comma'],
                     'thousands_separator': ['none', 'period', 'comma', 'space'],
                     'date_order': ['YMD', 'DMY', 'MDY']} -%}
    {%- if settings.get('locale') not in (none, '') -%}
        {%- if settings.locale not in raw_locales() -%}
            {{ _var_error(where ~ 'locale', settings.locale, 'one of ' ~ raw_locales().keys() | join(', ')) }}
        {%- endif -%}
        {%- set result = raw_locales()[settings.locale][:] -%}
    {%- endif -%}
    {%- for key in ['decimal_separator', 'thousands_separator', 'date_order'] -%}
        {%- set value = settings.get(key) -%}
        {%- if value not in (none, '') -%}
            {%- if value not in names[key] -%}
                {{ _var_error(where ~ key, value, 'one of ' ~ names[key] | join(', ')) }}
            {%- endif -%}
            {%- do result.__setitem__(loop.index0, value) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if result[0] == result[1] -%}
        {{ _var_error(where ~ 'decimal_separator', result[0], 'a decimal separator other than the thousands separator') }}
    {%- endif -%}
    {{- return(result) -}}
{%- endmacro %}

{#- How the raw text of a table is written: {decimal, thousands (characters), date_order, timezone}.
    Run-level vars (raw_locale, raw_decimal_separator, raw_thousands_separator, raw_date_order), then the
    table's entry in raw_table_formats. table_name none: the run-level format. -#}
{% macro raw_format(table_name) -%}
    {%- set run = {'locale': var('raw_locale', none), 'decimal_separator': var('raw_decimal_separator', none),
                   'thousands_separator': var('raw_thousands_separator', none),
                   'date_order': var('raw_date_order', none)} -%}
    {%- set result = _apply_raw_format(raw_locales()['iso'], run, 'raw_') -%}
    {%- set per_table = var('raw_table_formats', {}) or {} -%}
    {%- if per_table is not mapping -%}
        {{ _var_error('raw_table_formats', per_table, 'a mapping of table name to format settings') }}
    {%- endif -%}
    {%- for name, settings in per_table.items() -%}
        {%- if name not in crm_contract() or settings is not mapping -%}
            {{ _var_error('raw_table_formats', per_table, 'contract table names mapped to {locale, '
                ~ 'decimal_separator, thousands_separator, date_order}') }}
        {%- endif -%}
        {%- for key in settings if key not in ['locale', 'decimal_separator', 'thousands_separator', 'date_order'] -%}
            {{ _var_error('raw_table_formats.' ~ name, key, 'locale, decimal_separator, thousands_separator or date_order') }}
        {%- endfor -%}
    {%- endfor -%}
    {%- if table_name is not none and table_name in per_table -%}
        {%- set result = _apply_raw_format(result, per_table[table_name], 'raw_table_formats.' ~ table_name ~ '.') -%}
    {%- endif -%}
    {%- set chars = {'period': '.', 'comma': ',', 'space': ' ', 'none': ''} -%}
    {{- return({'decimal': chars[result[0]], 'thousands': chars[result[1]], 'date_order': result[2],
                'timezone': raw_timezone()}) -}}
{%- endmacro %}

{#- A date variable as validated YYYY-MM-DD text, or none when unset (null, empty). Only a real calendar
    date passes, so the value is safe to put in a SQL literal. -#}
{% macro date_var(name) -%}
    {{- return(_date_text(name, var(name, none))) -}}
{%- endmacro %}

{#- `value` (named `name` in the error) as validated YYYY-MM-DD text, or none when it is null or empty. -#}
{% macro _date_text(name, value) -%}
    {%- if value is none or (value | string) in ('', 'none', 'None', 'null') -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set parsed = [] -%}
    {%- if modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
        {%- do try_parse_date(text, parsed) -%}
    {%- endif -%}
    {%- if parsed | length != 1 -%}
        {{ _var_error(name, value, 'a date as YYYY-MM-DD, or null') }}
    {%- endif -%}
    {{- return(text) -}}
{%- endmacro %}

{#- The as-of date as a SQL date expression, from the first of:
    1. the variable as_of_date (dbt by hand, unit-test overrides);
    2. the environment variable SALES_KPIS_AS_OF_DATE (what the nightly pipeline sets), read only while
       executing, never while parsing: dbt re-parses every file that read an environment variable whose
       value changed, and a changed --vars makes it re-parse the whole project, so either way a new date
       each night would cost a parse. Read here, the date reaches the SQL and not the parse (D115);
    3. today in the reporting time zone.
    A date from 1 or 2 becomes a literal, so the compiled SQL is the same whichever way it came. -#}
{% macro as_of_date() -%}
    {%- set text = date_var('as_of_date') -%}
    {%- if text is none and execute -%}
        {%- set from_env = env_var('SALES_KPIS_AS_OF_DATE', '') -%}
        {%- set text = _date_text('SALES_KPIS_AS_OF_DATE (environment)', from_env) -%}
    {%- endif -%}
    {%- if text is none -%}
        {{- reporting_today() -}}
    {%- else -%}
        cast('{{ text }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro try_parse_date(text, out) -%}
    {#- Jinja has no try/except: check the calendar by hand (month 1-12, day within the month). -#}
    {%- set y, m, d = text.split('-') | map('int') | list -%}
    {%- set leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 -%}
    {%- set days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if 1 <= m <= 12 and 1 <= d <= days[m - 1] -%}
        {%- do out.append(modules.datetime.date(y, m, d)) -%}
    {%- endif -%}
{%- endmacro %}

{#- A non-negative integer variable (days, months, minutes). -#}
{% macro non_negative_int_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is boolean or not (value is number) or value != (value | int) or value < 0 -%}
        {{ _var_error(name, value, 'a whole number >= 0') }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{% macro iso_4217_codes() -%}
    {{- return((
        'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD '
        ~ 'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD '
        ~ 'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT '
        ~ 'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR '
        ~ 'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP '
        ~ 'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF '
        ~ 'XPF YER ZAR ZMW ZWG'
    ).split(' ')) -}}
{%- endmacro %}

{% macro fiscal_year_start_month() -%}
    {%- set value = var('fiscal_year_start_month', 1) -%}
    {%- if value is boolean or not (value is number) or value != (value | int) or not (1 <= value <= 12) -%}
        {{ _var_error('fiscal_year_start_month', value, 'a month number from 1 to 12') }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{#- A probability from 0 to 1. -#}
{% macro _probability(name, value) -%}
    {%- if value is boolean or not (value is number) or not (0 <= value <= 1) -%}
        {{ _var_error(name, value, 'a number from 0 to 1') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- Win-probability overrides per standard stage, e.g. {proposal: 0.4, unmapped: 0.05}. -#}
{% macro stage_probability_overrides() -%}
    {%- set value = var('stage_probabilities', {}) or {} -%}
    {%- set stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost',
                      'unmapped'] -%}
    {%- if value is not mapping -%}
        {{ _var_error('stage_probabilities', value, 'a mapping of standard stage to probability') }}
    {%- endif -%}
    {%- for stage, p in value.items() -%}
        {%- if stage not in stages -%}
            {{ _var_error('stage_probabilities', value, 'keys among ' ~ stages | join(', ')) }}
        {%- endif -%}
        {%- do _probability('stage_probabilities.' ~ stage, p) -%}
    {%- endfor -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The win probability of a deal: the project override for its standard stage, else the stage label's
    default from the stage_mapping seed, else the unmapped-stage default. -#}
{% macro stage_probability(stage, default_probability) -%}
    {%- set overrides = stage_probability_overrides() -%}
    {%- set unmapped = _probability('unmapped_stage_probability', var('unmapped_stage_probability', 0.1)) -%}
    case
        {%- for stage_name, p in overrides.items() | sort %}
        when {{ stage }} = '{{ stage_name }}' then {{ p }}
        {%- endfor %}
        when {{ default_probability }} is not null then {{ default_probability }}
        when {{ stage }} = 'closed_won' then 1.0
        when {{ stage }} = 'closed_lost' then 0.0
        else {{ unmapped }}
    end
{%- endmacro %}

{#- Share of the target pace below which a scorecard KPI is off track rather than at risk. -#}
{% macro scorecard_at_risk_ratio() -%}
    {{- return(_probability('scorecard_at_risk_ratio', var('scorecard_at_risk_ratio', 0.9))) -}}
{%- endmacro %}

{% macro boolean_var(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if value is not boolean -%}
        {{ _var_error(name, value, 'true or false') }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- Headline KPIs of the scorecard: a non-empty list of known names. -#}
{% macro scorecard_kpis() -%}
    {%- set known = [
        'revenue', 'revenue_mom_growth', 'bookings', 'gross_margin_rate', 'weighted_pipeline', 'win_rate',
        'avg_sales_cycle_days', 'lead_conversion_rate', 'avg_response_minutes', 'email_open_rate',
        'avg_purchase_value', 'new_customers', 'customer_churn_rate', 'net_revenue_retention', 'cac',
        'deals_won',
    ] -%}
    {%- set value = var('scorecard_kpis', ['revenue', 'bookings', 'gross_margin_rate', 'weighted_pipeline',
        'win_rate', 'new_customers', 'customer_churn_rate', 'cac']) -%}
    {%- if value is string or value is not iterable or value | length == 0 -%}
        {{ _var_error('scorecard_kpis', value, 'a non-empty list among ' ~ known | join(', ')) }}
    {%- endif -%}
    {%- for k in value if k not in known -%}
        {{ _var_error('scorecard_kpis', value, 'names among ' ~ known | join(', ')) }}
    {%- endfor -%}
    {{- return(value) -}}
{%- endmacro %}

{#- Check every project variable once per run (on-run-start), so a bad value fails before any model. -#}
{% macro validate_project_vars() -%}
    {%- do reporting_currency() -%}
    {%- do reporting_timezone() -%}
    {%- do raw_format(none) -%}
    {%- do as_of_date() -%}
    {%- do date_var('spine_start_month') -%}
    {%- do fiscal_year_start_month() -%}
    {%- do stage_probability_overrides() -%}
    {%- do stage_probability('stage', 'p') -%}
    {%- do non_negative_int_var('future_grace_days', 1) -%}
    {%- do non_negative_int_var('lead_response_sla_minutes', 60) -%}
    {%- do non_negative_int_var('churn_inactivity_days', 90) -%}
    {%- do non_negative_int_var('rep_churn_horizon_months', 6) -%}
    {%- do scorecard_kpis() -%}
    {%- do scorecard_at_risk_ratio() -%}
    {%- do _probability('unmapped_stage_probability', var('unmapped_stage_probability', 0.1)) -%}
    {%- do boolean_var('derive_orders_from_won_opportunities', false) -%}
    select 1
{%- endmacro %}
