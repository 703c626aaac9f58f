-- One row per opportunity x stage interval: the standard stage the deal was in from valid_from until
-- valid_to (UTC; valid_to NULL for the current interval), rebuilt from the stage history.
-- Rules: the first interval starts at the deal's created_at; the timeline always ends in the deal's
-- current stage (an interval is appended when the last history row disagrees with the record, at the
-- close time for a closed deal, else at the record's last change); a deal without history gets an
-- interval in the unknown open stage 'unmapped' from created_at to closed_at (closed deals) or its
-- current stage from created_at (open deals). The current interval carries the record's amount and label
-- probability, so the pipeline on the as-of date equals the open deals of fct_opportunities.
-- valid_from_date / valid_to_date are the reporting-zone dates, converted once here for snapshots.
-- As of the as-of date: intervals starting after its end (reporting zone) do not exist yet, and the
-- interval in effect at its end is current (valid_to NULL), with its own stage, amount and probability.
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

history as (
    select * from {{ ref('stg_crm__opportunity_stage_history') }}
),

stages as (
    select * from {{ ref('dim_stages') }}
),

history_ranked as (
    select
        history.opportunity_id,
        history.stage,
        history.stage_order,
        history.stage_default_probability,
        history.amount_reporting,
        history.entered_at,
        row_number() over (
            partition by history.opportunity_id
            order by history.entered_at desc, coalesce(history.stage_order, 0) desc, history.stage_name desc
        ) as rank_from_last
    from history
    inner join opportunities
        on history.opportunity_id = opportunities.opportunity_id
),

last_history as (
    select
        opportunity_id,
        stage,
        entered_at
    from history_ranked
    where rank_from_last = 1
),

history_events as (
    select
        opportunity_id,
        stage,
        stage_order,
        stage_default_probability,
        amount_reporting,
        entered_at,
        -- later sort key wins among rows entered at the same instant
        -rank_from_last as sort_key,
        false as is_synthesised
    from history_ranked
),

-- the record's current stage, appended when history is missing or ends elsewhere
current_stage_events as (
    select
        opportunities.opportunity_id,
        opportunities.stage,
        opportunities.stage_order,
        opportunities.stage_default_probability,
        opportunities.amount_reporting,
        -- a deal closed before it was created (kept and flagged) enters its closed stage at its creation
        case
            when last_history.opportunity_id is null and opportunities.is_closed
                then greatest(opportunities.closed_at, opportunities.created_at)
            when last_history.opportunity_id is null then opportunities.created_at
            when opportunities.is_closed
                then greatest(opportunities.closed_at, last_history.entered_at, opportunities.created_at)
            else greatest(coalesce(opportunities.updated_at, last_history.entered_at), last_history.entered_at)
        end as entered_at,
        1 as sort_key,
        true as is_synthesised
    from opportunities
    left join last_history
        on opportunities.opportunity_id = last_history.opportunity_id
    where
        last_history.opportunity_id is null
        or last_history.stage <> opportunities.stage
),

-- a closed deal without history was open (stage unknown) from creation to close
unknown_open_events as (
    select
        opportunities.opportunity_id,
        unmapped_stages.stage,
        unmapped_stages.stage_order,
        cast(null as decimal(5, 2)) as stage_default_probability,
        opportunities.amount_reporting,
        opportunities.created_at as entered_at,
        0 as sort_key,
        true as is_synthesised
    from opportunities
    cross join stages as unmapped_stages
    left join last_history
        on opportunities.opportunity_id = last_history.opportunity_id
    where
        unmapped_stages.stage = 'unmapped'
        and last_history.opportunity_id is null
        and opportunities.is_closed
),

events as (
    select * from history_events
    union all
    select * from current_stage_events
    union all
    select * from unknown_open_events
),

events_numbered as (
    select
        events.*,
        row_number() over (
            partition by events.opportunity_id
            order by events.entered_at, events.sort_key
        ) as interval_number,
        count(*) over (partition by events.opportunity_id) as interval_count
    from events
),

intervals_bounded as (
    select
        events_numbered.opportunity_id,
        events_numbered.interval_number,
        events_numbered.stage,
        events_numbered.stage_order,
        events_numbered.is_synthesised,
        -- the current interval is the record itself: its amount and its label's probability
        case
            when events_numbered.interval_number = events_numbered.interval_count
                then opportunities.amount_reporting
            else coalesce(events_numbered.amount_reporting, opportunities.amount_reporting)
        end as amount,
        case
            when events_numbered.interval_number = events_numbered.interval_count
                then opportunities.stage_default_probability
            else events_numbered.stage_default_probability
        end as stage_default_probability,
        case
            when events_numbered.interval_number = 1 then opportunities.created_at
            else greatest(events_numbered.entered_at, opportunities.created_at)
        end as valid_from
    from events_numbered
    inner join opportunities
        on events_numbered.opportunity_id = opportunities.opportunity_id
),

intervals_linked as (
    select
        intervals_bounded.*,
        lead(intervals_bounded.valid_from) over (
            partition by intervals_bounded.opportunity_id
            order by intervals_bounded.interval_number
        ) as valid_to,
        lag(intervals_bounded.stage) over (
            partition by intervals_bounded.opportunity_id
            order by intervals_bounded.interval_number
        ) as previous_stage,
        lag(intervals_bounded.stage_order) over (
            partition by intervals_bounded.opportunity_id
            order by intervals_bounded.interval_number
        ) as previous_stage_order
    from intervals_bounded
),

-- the timeline as known at the end of the as-of date: later intervals dropped, the last one left open
intervals_as_of as (
    select
        opportunity_id,
        interval_number,
        stage,
        stage_order,
        previous_stage,
        previous_stage_order,
        is_synthesised,
        amount,
        stage_default_probability,
        valid_from,
        case when {{ is_on_or_before_as_of('valid_to') }} then valid_to end as valid_to
    from intervals_linked
    where {{ is_on_or_before_as_of('valid_from') }}
),

final as (
    select
        -- ids
        intervals_as_of.opportunity_id,
        intervals_as_of.interval_number,
        -- dimensions
        intervals_as_of.stage,
        intervals_as_of.stage_order,
        intervals_as_of.previous_stage,
        -- flags
        stages.is_open as is_open_stage,
        stages.is_closed as is_closed_stage,
        stages.is_won as is_won_stage,
        intervals_as_of.valid_to is null as is_current,
        intervals_as_of.is_synthesised,
        coalesce(stages.is_open and previous_stages.is_closed, false) as is_reopening,
        coalesce(
            stages.is_open
            and previous_stages.is_open
            and intervals_as_of.stage_order < intervals_as_of.previous_stage_order,
            false
        ) as is_backward_move,
        -- measures
        {{ stage_probability('intervals_as_of.stage', 'intervals_as_of.stage_default_probability') }}
            as stage_probability,
        intervals_as_of.amount,
        '{{ reporting_currency() }}' as currency_code,
        -- time
        intervals_as_of.valid_from,
        intervals_as_of.valid_to,
        {{ reporting_date('intervals_as_of.valid_from') }} as valid_from_date,
        {{ reporting_date('intervals_as_of.valid_to') }} as valid_to_date
    from intervals_as_of
    inner join stages
        on intervals_as_of.stage = stages.stage
    left join stages as previous_stages
        on intervals_as_of.previous_stage = previous_stages.stage
)

select * from final
