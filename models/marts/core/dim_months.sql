-- One row per calendar month (reporting time zone) from the first month with sales data (the earliest
-- lead, opportunity creation or close, order or invoice, or subscription start: an invoice or a close dated
-- before every order or deal still has its month) to the month of the as-of date, or from
-- var spine_start_month when it is set. KPI views join to it so that months without activity show zeros
-- rather than missing rows.
with

first_events as (
    select min(created_at) as first_at from {{ ref('stg_crm__opportunities') }}
    union all
    select min(closed_at) as first_at from {{ ref('stg_crm__opportunities') }}
    union all
    select min(ordered_at) as first_at from {{ ref('stg_crm__orders') }}
    union all
    select min(invoiced_at) as first_at from {{ ref('stg_crm__orders') }}
    union all
    select min(created_at) as first_at from {{ ref('stg_crm__leads') }}
    union all
    select min(started_at) as first_at from {{ ref('stg_crm__subscriptions') }}
),

-- exactly one row: the first and last month of the spine
bounds as (
    select
        {%- if date_var('spine_start_month') %}
        {{ month_start("cast('" ~ date_var('spine_start_month') ~ "' as date)") }} as first_month,
        {%- else %}
        {{ reporting_month('earliest.first_at') }} as first_month,
        {%- endif %}
        {{ month_start(as_of_date()) }} as last_month
    from (
        select min(first_at) as first_at from first_events
    ) as earliest
),

digits as (
    {{ digits() }}
),

month_offsets as (
    -- up to 1,000 months (83 years) of history
    select hundreds.d * 100 + tens.d * 10 + ones.d as month_offset
    from digits as hundreds
    cross join digits as tens
    cross join digits as ones
),

months as (
    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date) as month_start
    from bounds
    cross join month_offsets
    where
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date)
        <= bounds.last_month
),

calendar as (
    select
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end,
        extract(year from month_start) as calendar_year,
        extract(month from month_start) as month_of_year,
        -- fiscal year named after the calendar year in which it ends
        {%- set shift = (12 - fiscal_year_start_month() + 1) % 12 %}
        cast({{ dbt.dateadd('month', shift, 'month_start') }} as date) as shifted_month
    from months
),

final as (
    select
        month_start,
        month_end,
        cast(calendar_year as integer) as calendar_year,
        cast(month_of_year as integer) as month_of_year,
        cast(extract(year from shifted_month) as integer) as fiscal_year,
        cast(floor((extract(month from shifted_month) - 1) / 3) + 1 as integer) as fiscal_quarter,
        {%- set months_into_quarter = 'cast(-((extract(month from shifted_month) - 1) % 3) as integer)' %}
        cast({{ dbt.dateadd('month', months_into_quarter, 'month_start') }} as date) as fiscal_quarter_start,
        month_start = {{ month_start(as_of_date()) }} as is_as_of_month,
        month_start < {{ month_start(as_of_date()) }} as is_complete_month,
        {{ as_of_date() }} as as_of_date
    from calendar
)

select * from final
