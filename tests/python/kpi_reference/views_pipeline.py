"""Pipeline by stage, pipeline generated per rep, lead response time and email engagement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

import pandas as pd

from .common import RawData, cents, label, month_end, month_of, ratio
from .entities import (
    OPEN_STAGES,
    email_messages,
    leads,
    opportunities,
    rep_month_rows,
    reps,
    spine,
    stage_mapping,
)
from .specs import EMAIL, PIPELINE_BY_STAGE, PIPELINE_GENERATED, RESPONSE_TIME

ZERO = Decimal(0)
SLA_MINUTES = 60
UNMAPPED_PROBABILITY = Decimal("0.1")
EMAIL_COUNTS = (
    "is_sent",
    "is_delivered",
    "is_bounced",
    "is_opened",
    "is_clicked",
    "is_unsubscribed",
    "opens",
    "clicks",
)


# ----- KPI 5: pipeline by stage ----------------------------------------------------------------------
def _interval(
    mapping: dict[str, dict[str, Any]],
    opp: dict[str, Any],
    stage_label: object,
    moment: Any,
    amount: Decimal | None,
    record: bool,
) -> dict[str, Any]:
    """One stage interval of a deal from `moment`: the record's own stage (record=True) or the label's
    standard stage ('unmapped' when the seed does not know it), with the label's default probability
    when it names that stage (a closed stage without one: 1 won, 0 lost; otherwise the unmapped 0.1)."""
    mapped = mapping.get(label(stage_label) or "")
    stage = opp["stage"] if record else mapped["stage"] if mapped else "unmapped"
    if mapped is not None and mapped["stage"] == stage:
        probability = mapped["probability"]
    elif stage in ("closed_won", "closed_lost"):
        probability = Decimal(1) if stage == "closed_won" else ZERO
    else:
        probability = UNMAPPED_PROBABILITY
    return {"opp": opp["opportunity_id"], "stage": stage, "from": moment, "amount": amount, "p": probability}


def stage_intervals(raw: RawData) -> list[dict[str, Any]]:
    """fct_opportunity_stage_intervals, as docs/marts.md describes them: from the kept stage history (an
    unknown label is the open stage 'unmapped'), the first interval starting at created_at; a deal without
    history gets its record's stage from created_at (a closed one: 'unmapped' until closed_at, then its
    closed stage); when the last history row's stage disagrees with the record, the record's stage is
    appended (at closed_at, else at the record's last change). Intervals starting after the as-of date do
    not exist. Amount: the history row's (its currency at the entered date's rate), else the deal's
    current amount; the current interval carries the deal's amount. Probability: the stage label's default
    (stage_probabilities overrides none by default), 'unmapped' 0.1."""

    def compute(raw: RawData) -> list[dict[str, Any]]:
        mapping = stage_mapping(raw)
        history = raw.table("opportunity_stage_history")
        opps = opportunities(raw)
        by_opp: dict[str, list[dict[str, Any]]] = {}
        if not history.empty:
            moments = raw.moments(history["entered_at"])
            history = history.assign(moment=moments, day=raw.local_dates(moments))
            for r in history.sort_values(["opportunity_id", "moment"]).to_dict("records"):
                by_opp.setdefault(r["opportunity_id"], []).append(r)
        as_of_end = raw.end_of(raw.as_of)
        out = []
        records = opps.to_dict("records")
        created_at = raw.moments(opps["created_at"])
        closed_at = raw.moments(opps["closed_ts"])  # None unless closed by the as-of date
        updated_at = raw.moments(opps["updated_at"])
        for o, created, closed, updated in zip(records, created_at, closed_at, updated_at, strict=True):
            timeline = []
            for h in by_opp.get(o["opportunity_id"], []):
                amount = None
                if not pd.isna(h["amount"]):
                    amount = raw.convert(h["amount"], o["currency_code"], h["day"])
                fallback = amount if amount is not None else o["amount_rep"]
                timeline.append(_interval(mapping, o, h["stage_name"], h["moment"], fallback, False))
            if not timeline:
                if o["is_closed"]:
                    if closed > created:
                        timeline.append(_interval(mapping, o, None, created, o["amount_rep"], False))
                    timeline.append(
                        _interval(mapping, o, o["stage_label"], max(closed, created), o["amount_rep"], True)
                    )
                else:
                    timeline.append(_interval(mapping, o, o["stage_label"], created, o["amount_rep"], True))
            elif timeline[-1]["stage"] != o["stage"]:
                moment = closed if closed is not None else updated
                timeline.append(_interval(mapping, o, o["stage_label"], moment, o["amount_rep"], True))
            elif o["amount_rep"] is not None:
                timeline[-1]["amount"] = o["amount_rep"]  # the current interval carries the deal's amount
            timeline[0]["from"] = created
            timeline = [t for t in timeline if t["from"] <= as_of_end]
            for i, t in enumerate(timeline):
                t["to"] = timeline[i + 1]["from"] if i + 1 < len(timeline) else None
                out.append(t)
        from_dates = raw.local_dates([t["from"] for t in out])
        to_dates = raw.local_dates([t["to"] if t["to"] is not None else t["from"] for t in out])
        for t, from_date, to_date in zip(out, from_dates, to_dates, strict=True):
            t["from_date"], t["to_date"] = from_date, None if t["to"] is None else to_date
        return out

    return raw.cached("stage_intervals", compute)


def pipeline_by_stage(raw: RawData) -> pd.DataFrame:
    """kpi_pipeline_by_stage: deals open at the end of each month end (before the as-of month, from the
    first month with an open deal) and of the as-of date, per open stage: count, amount, amount *
    probability per deal rounded to cents, amount-weighted probability."""
    intervals = [t for t in stage_intervals(raw) if t["stage"] in OPEN_STAGES]
    if not intervals:
        return pd.DataFrame(columns=[*PIPELINE_BY_STAGE.columns])
    first = min(t["from_date"] for t in intervals)
    months = spine(raw, first)
    dates = [month_end(m) for m in months if month_end(m) < month_of(raw.as_of)] + [raw.as_of]
    rows = []
    for d in dates:
        open_now = [
            t for t in intervals if t["from_date"] <= d and (t["to_date"] is None or t["to_date"] > d)
        ]
        for stage in OPEN_STAGES:
            here = [t for t in open_now if t["stage"] == stage]
            amount = sum((t["amount"] for t in here if t["amount"] is not None), ZERO)
            weighted = sum((cents(t["amount"] * t["p"]) for t in here if t["amount"] is not None), ZERO)
            rows.append(
                {
                    "snapshot_date": d,
                    "stage": stage,
                    "month_start": month_of(d),
                    "is_as_of_snapshot": d == raw.as_of,
                    "open_opportunities": len(here),
                    "pipeline_amount": amount,
                    "weighted_pipeline_amount": weighted,
                    "stage_probability": ratio(weighted, amount),
                }
            )
    return pd.DataFrame(rows, columns=[*PIPELINE_BY_STAGE.columns])


# ----- KPI 12: pipeline generated per rep ------------------------------------------------------------
def pipeline_generated_per_rep(raw: RawData) -> pd.DataFrame:
    """kpi_pipeline_generated_per_rep: by creation month, leads owned, deals created by their credited rep
    (with their current amount), deals sourced from the rep's leads (the lead owner); rows for months
    employed and months with activity, from the first month with a lead or deal."""
    lead_frame = leads(raw)
    opps = opportunities(raw)
    counts: dict[tuple[date, str], dict[str, Any]] = {}

    def add(month: date, rep: str, column: str, amount: Decimal | None = None) -> None:
        row = counts.setdefault(
            (month, rep),
            {"leads": 0, "created": 0, "sourced": 0, "created_amount": ZERO, "sourced_amount": ZERO},
        )
        row[column] += 1
        if amount is not None:
            row[column + "_amount"] += amount

    for d, owner in zip(lead_frame["created_date"], lead_frame["owner"], strict=True):
        if owner is not None and not pd.isna(owner):
            add(month_of(d), owner, "leads")
    for r in opps.itertuples():
        m = month_of(r.created_date)
        add(m, r.credited_rep_id, "created", r.amount_rep)
        if r.lead_owner_rep_id is not None and not pd.isna(r.lead_owner_rep_id):
            add(m, r.lead_owner_rep_id, "sourced", r.amount_rep)
    days = list(lead_frame["created_date"]) + list(opps["created_date"])
    first = month_of(min(days)) if days else None
    kept = reps(raw)
    rows = []
    for m, rep in rep_month_rows(raw, first, set(counts)):
        c = counts.get(
            (m, rep), {"leads": 0, "created": 0, "sourced": 0, "created_amount": ZERO, "sourced_amount": ZERO}
        )
        rows.append(
            {
                "month_start": m,
                "rep_id": rep,
                "is_employed_in_month": rep in kept and kept[rep].employed_in(m),
                "leads_created": c["leads"],
                "opportunities_created": c["created"],
                "opportunities_sourced": c["sourced"],
                "pipeline_created_amount": c["created_amount"],
                "sourced_pipeline_amount": c["sourced_amount"],
            }
        )
    return pd.DataFrame(rows, columns=[*PIPELINE_GENERATED.columns])


# ----- KPI 9: lead response time ---------------------------------------------------------------------
def lead_response_time(raw: RawData, sla_minutes: int = SLA_MINUTES) -> pd.DataFrame:
    """kpi_lead_response_time: leads by created month x current owner (a kept rep, else NULL), first
    outbound touch at or after creation (a conversion is not a response, D34), minutes, SLA; rows for every
    month a lead owner was employed, months with leads, NULL-owner rows in months with such leads."""
    frame = leads(raw)
    if frame.empty:
        return pd.DataFrame(columns=[*RESPONSE_TIME.columns])
    frame = frame.assign(month=[month_of(d) for d in frame["created_date"]])
    groups: dict[tuple[date, str | None], list[dict[str, Any]]] = {}
    for r in frame.to_dict("records"):
        owner = None if r["owner"] is None or pd.isna(r["owner"]) else r["owner"]
        groups.setdefault((r["month"], owner), []).append(r)
    owners = {o for _, o in groups if o is not None}
    kept = reps(raw)
    months = spine(raw, frame["month"].min())
    keys = set(groups)
    for rep in owners:
        if rep in kept:
            keys |= {(m, rep) for m in months if kept[rep].employed_in(m)}
    rows = []
    for m, rep in sorted(keys, key=lambda k: (k[0], k[1] or "")):
        here = groups.get((m, rep), [])
        # minutes with decimals (seconds / 60), rounded to 2 decimals per lead (fct_leads.response_minutes)
        minutes = [
            cents(Decimal((r["first_touch"] - r["created_at"]).total_seconds()) / 60)
            for r in here
            if r["first_touch"] is not None and not pd.isna(r["first_touch"])
        ]
        within = sum(1 for x in minutes if x <= sla_minutes)
        before_touch = sum(
            1
            for r in here
            if r["converted_moment"] is not None
            and not pd.isna(r["converted_moment"])
            and (
                r["first_touch"] is None
                or pd.isna(r["first_touch"])
                or r["converted_moment"] < r["first_touch"]
            )
        )
        total = sum(minutes, ZERO)
        rows.append(
            {
                "month_start": m,
                "rep_id": rep,
                "is_unassigned": rep is None,
                "is_employed_in_month": rep in kept and kept[rep].employed_in(m),
                "leads_assigned": len(here),
                "leads_responded": len(minutes),
                "leads_not_responded": len(here) - len(minutes),
                "leads_responded_within_sla": within,
                "leads_converted_before_first_touch": before_touch,
                "sla_minutes": sla_minutes,
                "response_rate": ratio(len(minutes), len(here)),
                "responded_within_sla_rate": ratio(within, len(here)),
                "total_response_minutes": total,
                "avg_response_minutes": ratio(total, len(minutes)),
                "median_response_minutes": float(median(minutes)) if minutes else None,
            }
        )
    return pd.DataFrame(rows, columns=[*RESPONSE_TIME.columns])


# ----- KPI 10: email engagement ----------------------------------------------------------------------
def email_engagement(raw: RawData) -> pd.DataFrame:
    """kpi_email_engagement: emails by sent month x sender (rep; the unassigned rep for a sender that is
    not a kept rep; NULL for marketing), with delivery decided per sender stream (D33); rows for every
    month a sending rep was employed, months with emails, marketing from its first month."""
    messages = email_messages(raw)
    if messages.empty:
        return pd.DataFrame(columns=[*EMAIL.columns])
    groups: dict[tuple[date, str | None], pd.DataFrame] = {}
    for (m, sender), group in messages.groupby(["month", messages["sender"].fillna("")], sort=False):
        groups[(m, sender or None)] = group
    months = spine(raw, messages["month"].min())
    keys = set(groups)
    kept = reps(raw)
    for sender in {s for _, s in groups}:
        if sender is None:
            start = min(m for m, s in groups if s is None)
            keys |= {(m, None) for m in months if m >= start}
        elif sender in kept:
            keys |= {(m, sender) for m in months if kept[sender].employed_in(m)}
    rows = []
    for m, rep in sorted(keys, key=lambda k: (k[0], k[1] or "")):
        g = groups.get((m, rep))
        totals = {c: 0 if g is None else int(g[c].sum()) for c in EMAIL_COUNTS}
        sent, delivered, bounced = totals["is_sent"], totals["is_delivered"], totals["is_bounced"]
        opens, clicks = totals["is_opened"], totals["is_clicked"]
        rows.append(
            {
                "month_start": m,
                "rep_id": rep,
                "is_sales_email": rep is not None,
                "is_employed_in_month": rep in kept and kept[rep].employed_in(m),
                "emails_sent": sent,
                "emails_delivered": delivered,
                "emails_bounced": bounced,
                "unique_opens": opens,
                "unique_clicks": clicks,
                "unsubscribes": totals["is_unsubscribed"],
                "total_opens": totals["opens"],
                "total_clicks": totals["clicks"],
                "delivery_rate": ratio(delivered, sent),
                "bounce_rate": ratio(bounced, sent),
                "open_rate": ratio(opens, delivered),
                "click_rate": ratio(clicks, delivered),
            }
        )
    return pd.DataFrame(rows, columns=[*EMAIL.columns])
