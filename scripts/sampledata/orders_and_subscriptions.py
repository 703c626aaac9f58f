"""Orders (booked, invoiced, paid, cancelled, refunded) with their lines, and subscriptions.

A won deal books one order at its close; it is invoiced days later (longer for bigger customers) and
paid after the payment terms. A few orders are cancelled before invoicing and a few refunded after
(a refunded order keeps its invoiced_at; its updated_at is the refund date). Monthly cloud plans are
invoiced every month by the billing system: repeat orders without an opportunity.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from scripts.sampledata.context import World
from scripts.sampledata.currency import money
from scripts.sampledata.entities import Account, LineItem, Opportunity, Order, Rep, Subscription
from scripts.sampledata.products import line_cost

INVOICE_LAG_MEDIAN_DAYS = MappingProxyType({"smb": 2.0, "mid_market": 6.0, "enterprise": 12.0})
CANCEL_SHARE = 0.06  # of deal and reorder orders without cloud lines, before invoicing
REFUND_SHARE = 0.05  # of invoiced deal and reorder orders without cloud lines
RECURRING_REFUND_SHARE = 0.012  # of monthly cloud invoices (billing disputes)


def book_order(
    world: World,
    rng: random.Random,
    account: Account,
    opportunity: Opportunity | None,
    rep: Rep,
    ordered_at: datetime,
    lines: list[LineItem],
    currency: str,
    recurring: bool = False,
) -> Order:
    """An order and its fate up to the as-of date."""
    cal = world.calendar
    has_saas = any(line.product.is_saas for line in lines)
    if recurring:
        invoiced = ordered_at + timedelta(minutes=rng.randint(2, 30))
        pay_median = 7.0
    else:
        lag = rng.lognormvariate(math.log(INVOICE_LAG_MEDIAN_DAYS[account.segment]), 0.7)
        invoiced = cal.to_office_hours(rng, ordered_at + timedelta(days=lag))
        pay_median = 21.0
    status, invoiced_at, updated = "booked", None, ordered_at + timedelta(minutes=rng.randint(1, 20))
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None
    if not recurring and not has_saas and rng.random() < CANCEL_SHARE:
        cancelled = cal.to_office_hours(rng, ordered_at + timedelta(days=rng.uniform(0.2, min(15, lag))))
        if cancelled < cal.cutoff:
            status, updated, cancelled_at = "cancelled", cancelled, cancelled
    elif invoiced < cal.cutoff:
        status, invoiced_at, updated = "invoiced", invoiced, invoiced
        paid = cal.to_office_hours(
            rng, invoiced + timedelta(days=rng.lognormvariate(math.log(pay_median), 0.6))
        )
        refund = cal.to_office_hours(rng, invoiced + timedelta(days=rng.uniform(10, 60)))
        refund_share = RECURRING_REFUND_SHARE if recurring else (0.0 if has_saas else REFUND_SHARE)
        if rng.random() < refund_share and refund < cal.cutoff:
            status, updated, refunded_at = "refunded", refund, refund
        elif paid < cal.cutoff:
            status, updated = "paid", paid
    updated = min(updated, cal.cutoff - timedelta(seconds=1))
    # the source records when a cancellation or refund happened (never after the row's last change)
    if cancelled_at is not None:
        cancelled_at = min(cancelled_at, updated)
    if refunded_at is not None:
        refunded_at = min(refunded_at, updated)
    order = Order(
        seq=world.next_seq(),
        account=account,
        opportunity=opportunity,
        rep=rep,
        ordered_at=ordered_at,
        invoiced_at=invoiced_at,
        status=status,
        currency=currency,
        updated_at=updated,
        lines=lines,
        cancelled_at=cancelled_at,
        refunded_at=refunded_at,
    )
    world.orders.append(order)
    return order


def subscription_from_line(
    world: World, rng: random.Random, account: Account, line: LineItem, currency: str, started_at: datetime
) -> Subscription:
    """A subscription for a SaaS line (seats at the line's net unit price)."""
    gross = line.quantity * line.unit_price
    discount_rate = float(line.discount / gross) if gross else 0.0
    return new_subscription(
        world, account, line, currency, started_at, line.seats, discount_rate, line.billing or "annual"
    )


def new_subscription(
    world: World,
    account: Account,
    line: LineItem,
    currency: str,
    started_at: datetime,
    seats: int,
    discount_rate: float,
    billing: str,
) -> Subscription:
    """Register a running subscription."""
    mrr = money(float(line.unit_price) * seats * (1.0 - discount_rate), currency)
    sub = Subscription(
        seq=world.next_seq(),
        account=account,
        product=line.product,
        started_at=started_at,
        seats=seats,
        unit_price=line.unit_price,
        discount_rate=discount_rate,
        mrr=mrr,
        currency=currency,
        billing=billing,
    )
    world.subscriptions.append(sub)
    return sub


def end_subscription(sub: Subscription, ended_at: datetime, status: str, cutoff: datetime) -> None:
    """Stop a subscription (only if that happens before the as-of date; otherwise it is still running)."""
    if ended_at < cutoff and sub.ended_at is None:
        sub.ended_at, sub.status = max(ended_at, sub.started_at + timedelta(hours=1)), status


def recurring_lines(world: World, rng: random.Random, sub: Subscription, moment: datetime) -> list[LineItem]:
    """One month of a subscription as an invoice line."""
    quantity = Decimal(sub.seats)
    gross = float(quantity * sub.unit_price)
    return [
        LineItem(
            product=sub.product,
            quantity=quantity,
            unit_price=sub.unit_price,
            discount=money(gross * sub.discount_rate, sub.currency),
            unit_cost=line_cost(rng, sub.product, world.rates, sub.currency, moment.date()),
            seats=sub.seats,
            billing=sub.billing,
        )
    ]
