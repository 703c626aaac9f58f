"""Orders (booked, invoiced, paid, cancelled, refunded) with their lines, and subscriptions.

A won deal books one order at its close; it is invoiced days later (longer for bigger customers) and
paid after the payment terms. A few orders are cancelled before invoicing and a few refunded after
(a refunded order keeps its invoiced_at; its updated_at is the refund date). Monthly cloud plans are
invoiced every month by the billing system: repeat orders without an opportunity.

The account simulation only records what is ordered when (OrderBook); the fate of every order is drawn
afterwards for all orders at once (book_orders), since nothing in an account's life depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scripts.sampledata.calendar import Calendar, add_months
from scripts.sampledata.config import NEVER, local_midnight
from scripts.sampledata.currency import RateBook, money
from scripts.sampledata.products import MONTHLY, Catalogue, Lines, line_cost

INVOICE_LAG_MEDIAN_DAYS = np.array([2.0, 6.0, 12.0])  # smb, mid_market, enterprise
CANCEL_SHARE = 0.06  # of deal and reorder orders without cloud lines, before invoicing
REFUND_SHARE = 0.05  # of invoiced deal and reorder orders without cloud lines
RECURRING_REFUND_SHARE = 0.012  # of monthly cloud invoices (billing disputes)
ORDER_STATUSES = ("booked", "invoiced", "paid", "cancelled", "refunded")
BOOKED, INVOICED, PAID, CANCELLED, REFUNDED = range(5)
SUB_STATUSES = ("active", "cancelled", "expired")
ACTIVE, SUB_CANCELLED, EXPIRED = range(3)


class Growing:
    """A struct of growable numpy columns (append batches, read the filled part)."""

    def __init__(self, **dtypes: type | np.dtype) -> None:
        self._dtypes = dtypes
        self._size = 0
        self._cols = {name: np.empty(1024, dtype) for name, dtype in dtypes.items()}

    def __len__(self) -> int:
        return self._size

    def append(self, **values: np.ndarray | int) -> np.ndarray:
        """Append rows (arrays of one length, or scalars); returns their indexes."""
        n = max((np.size(v) for v in values.values() if np.ndim(v) > 0), default=1)
        need = self._size + n
        if need > len(next(iter(self._cols.values()))):
            capacity = max(need, 2 * len(next(iter(self._cols.values()))))
            for name, col in self._cols.items():
                grown = np.empty(capacity, col.dtype)
                grown[: self._size] = col[: self._size]
                self._cols[name] = grown
        for name, col in self._cols.items():
            col[self._size : need] = values[name]
        index = np.arange(self._size, need)
        self._size = need
        return index

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols", {})
        if name in cols:
            return cols[name][: self._size]
        raise AttributeError(name)

    def column(self, name: str) -> np.ndarray:
        """The live column (writes through)."""
        return self._cols[name][: self._size]


def new_subscriptions() -> Growing:
    return Growing(
        account=np.int64,
        product=np.int64,
        started=np.int64,
        seats=np.int64,
        unit_price=np.int64,
        discount_rate=np.float64,
        mrr=np.int64,
        currency=np.int64,
        billing=np.int64,
        ended=np.int64,
        ended_known=np.int64,  # when the end became known (bills stop then)
        status=np.int64,
        churn_month=np.int64,  # monthly plans: the bill month the customer cancels at (if before the cutoff)
    )


def add_subscriptions(
    subs: Growing,
    account: np.ndarray,
    product: np.ndarray,
    started: np.ndarray,
    seats: np.ndarray,
    unit_price: np.ndarray,
    discount_rate: np.ndarray,
    currency: np.ndarray,
    billing: np.ndarray,
) -> np.ndarray:
    """Register running subscriptions (MRR at the seats' net unit price); returns their indexes."""
    mrr = money(unit_price / 100 * seats * (1.0 - discount_rate), currency)
    return subs.append(
        account=account,
        product=product,
        started=started,
        seats=seats,
        unit_price=unit_price,
        discount_rate=discount_rate,
        mrr=mrr,
        currency=currency,
        billing=billing,
        ended=NEVER,
        ended_known=NEVER,
        status=ACTIVE,
        churn_month=np.iinfo(np.int64).max,
    )


def end_subscriptions(
    subs: Growing, sub: np.ndarray, ended_at: np.ndarray, known_at: np.ndarray, status: int, cutoff: int
) -> None:
    """Stop subscriptions (only those not ended yet, and only if that happens before the as-of date)."""
    ended = subs.column("ended")
    ok = (ended_at < cutoff) & (ended[sub] == NEVER)
    sub, ended_at, known_at = sub[ok], ended_at[ok], known_at[ok]
    ended[sub] = np.maximum(ended_at, subs.started[sub] + 3600)
    subs.column("ended_known")[sub] = known_at
    subs.column("status")[sub] = status


def bill_moments(rng: np.random.Generator, started: np.ndarray, month: np.ndarray) -> np.ndarray:
    """When a monthly plan is invoiced for its n-th month: 08:00-09:00 local on the start's day of month."""
    day = add_months(Calendar.local_day(started), month)
    return local_midnight(day) + 8 * 3600 + rng.integers(0, 3600, len(started))


@dataclass
class OrderBook:
    """Orders as the account simulation places them: who, when, what (lines.owner = order number)."""

    account: list[np.ndarray] = field(default_factory=list)
    opportunity: list[np.ndarray] = field(default_factory=list)
    rep: list[np.ndarray] = field(default_factory=list)
    ordered_at: list[np.ndarray] = field(default_factory=list)
    currency: list[np.ndarray] = field(default_factory=list)
    recurring: list[np.ndarray] = field(default_factory=list)
    lines: list[Lines] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        account: np.ndarray,
        opportunity: np.ndarray,
        rep: np.ndarray,
        ordered_at: np.ndarray,
        currency: np.ndarray,
        recurring: bool,
        lines: Lines,
        line_order: np.ndarray,
    ) -> None:
        """Orders of a batch; line_order maps each line to its order's row in the batch."""
        n = len(account)
        if not n:
            return
        self.account.append(account)
        self.opportunity.append(np.broadcast_to(opportunity, n).copy())
        self.rep.append(rep)
        self.ordered_at.append(ordered_at)
        self.currency.append(currency)
        self.recurring.append(np.full(n, recurring))
        moved = lines.take(np.arange(len(lines)))
        moved.owner = self.count + line_order
        self.lines.append(moved)
        self.count += n


@dataclass
class Orders:
    """Orders in creation order (order numbers follow it) and their lines."""

    account: np.ndarray
    opportunity: np.ndarray
    rep: np.ndarray
    ordered_at: np.ndarray
    invoiced_at: np.ndarray
    status: np.ndarray
    currency: np.ndarray
    updated_at: np.ndarray
    cancelled_at: np.ndarray
    refunded_at: np.ndarray
    lines: Lines  # owner = order index, sorted by order

    def __len__(self) -> int:
        return len(self.account)


def book_orders(
    rng: np.random.Generator, calendar: Calendar, book: OrderBook, catalogue: Catalogue, segment: np.ndarray
) -> Orders:
    """The fate of every order up to the as-of date, in order-number order (by time of ordering)."""
    account = np.concatenate(book.account)
    ordered = np.concatenate(book.ordered_at)
    recurring = np.concatenate(book.recurring)
    lines = Lines.concat(book.lines)
    n = len(account)
    has_saas = np.zeros(n, bool)
    has_saas[lines.owner[catalogue.is_saas[lines.product]]] = True
    cutoff = calendar.cutoff
    seg = segment[account]
    lag = np.exp(rng.normal(np.log(INVOICE_LAG_MEDIAN_DAYS[seg]), 0.7))
    invoiced = np.where(
        recurring,
        ordered + rng.integers(2, 31, n) * 60,
        calendar.to_office_hours(rng, ordered + (lag * 86400).astype(np.int64)),
    )
    pay_median = np.where(recurring, 7.0, 21.0)
    u = rng.random((3, n))
    booked_update = ordered + rng.integers(1, 21, n) * 60
    cancel_lo, cancel_hi = 0.2, np.minimum(15.0, lag)
    cancelled = calendar.to_office_hours(
        rng, ordered + ((cancel_lo + u[0] * (cancel_hi - cancel_lo)) * 86400).astype(np.int64)
    )
    paid = calendar.to_office_hours(
        rng, invoiced + (np.exp(rng.normal(np.log(pay_median), 0.6)) * 86400).astype(np.int64)
    )
    refund = calendar.to_office_hours(rng, invoiced + (rng.uniform(10, 60, n) * 86400).astype(np.int64))
    refund_share = np.where(recurring, RECURRING_REFUND_SHARE, np.where(has_saas, 0.0, REFUND_SHARE))
    cancels = ~recurring & ~has_saas & (u[1] < CANCEL_SHARE)
    is_cancelled = cancels & (cancelled < cutoff)
    is_invoiced = ~cancels & (invoiced < cutoff)
    is_refunded = is_invoiced & (u[2] < refund_share) & (refund < cutoff)
    is_paid = is_invoiced & ~is_refunded & (paid < cutoff)
    status = np.select(
        [is_cancelled, is_refunded, is_paid, is_invoiced], [CANCELLED, REFUNDED, PAID, INVOICED], BOOKED
    )
    updated = np.select(
        [is_cancelled, is_refunded, is_paid, is_invoiced], [cancelled, refund, paid, invoiced], booked_update
    )
    updated = np.minimum(updated, cutoff - 1)
    order = np.lexsort((np.arange(n), ordered))
    position = np.empty(n, np.int64)
    position[order] = np.arange(n)
    lines.owner = position[lines.owner]
    lines = lines.take(np.argsort(lines.owner, kind="stable"))
    return Orders(
        account=account[order],
        opportunity=np.concatenate(book.opportunity)[order],
        rep=np.concatenate(book.rep)[order],
        ordered_at=ordered[order],
        invoiced_at=np.where(is_invoiced, invoiced, NEVER)[order],
        status=status[order],
        currency=np.concatenate(book.currency)[order],
        updated_at=updated[order],
        # the source records when a cancellation or refund happened (never after the row's last change)
        cancelled_at=np.where(is_cancelled, np.minimum(cancelled, updated), NEVER)[order],
        refunded_at=np.where(is_refunded, np.minimum(refund, updated), NEVER)[order],
        lines=lines,
    )


def recurring_lines(
    rng: np.random.Generator,
    catalogue: Catalogue,
    rates: RateBook,
    subs: Growing,
    sub: np.ndarray,
    moment: np.ndarray,
) -> Lines:
    """One month of each subscription as an invoice line (lines.owner = position in `sub`)."""
    seats = subs.seats[sub]
    unit_price = subs.unit_price[sub]
    currency = subs.currency[sub]
    gross = seats * unit_price / 100
    return Lines(
        owner=np.arange(len(sub)),
        product=subs.product[sub],
        quantity=seats,
        unit_price=unit_price,
        discount=money(gross * subs.discount_rate[sub], currency),
        unit_cost=line_cost(rng, catalogue, rates, subs.product[sub], currency, Calendar.local_day(moment)),
        seats=seats,
        billing=np.full(len(sub), MONTHLY),
    )


def monthly_bills(rng: np.random.Generator, subs: Growing, cutoff: int) -> tuple[np.ndarray, np.ndarray]:
    """Every invoice of the monthly plans after their first: (subscription, moment), up to the plan's
    cancellation (or the moment its end became known) and the cutoff."""
    monthly = np.flatnonzero(subs.billing == MONTHLY)
    stop = np.minimum(subs.ended_known[monthly], cutoff)
    # an upper bound of the months to bill: whole months from start to stop, plus one
    months_upper = np.minimum(
        (stop - subs.started[monthly]) // (27 * 86400) + 2, subs.churn_month[monthly] - 1
    )
    months_upper = np.maximum(months_upper, 0)
    sub = np.repeat(monthly, months_upper)
    month = np.arange(len(sub)) - np.repeat(np.cumsum(months_upper) - months_upper, months_upper) + 1
    moment = bill_moments(rng, subs.started[sub], month)
    keep = moment < np.minimum(subs.ended_known[sub], cutoff)
    return sub[keep], moment[keep]
