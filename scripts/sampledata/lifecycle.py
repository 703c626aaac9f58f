"""Each account's life, simulated as a time-ordered queue of events, for all accounts at once.

Events: a deal is opened (first deal, upsell, renewal, win-back), a deal closes (won: order,
subscriptions; lost: churn or re-engagement), a monthly plan is cancelled, an annual plan comes up for
renewal, an existing customer reorders without a deal, and the periodic look for an upsell. Every step
uses the account's state at that moment, so customers churn and return, expand and upgrade, in a
consistent order.

The accounts are independent, so the simulation advances them together: each round takes every
account's earliest pending event (at most one per account) and handles the round's events of one kind as
one vectorised batch. A monthly plan's cancellation month is drawn when it starts (the churn hazard of
each bill, as a geometric draw), so its monthly invoices need no events: they are expanded afterwards.
"""

from __future__ import annotations

import numpy as np

from scripts.sampledata.accounts import Accounts
from scripts.sampledata.calendar import Calendar, add_months
from scripts.sampledata.config import DAY, NEVER, WIB, GeneratorConfig, local_midnight
from scripts.sampledata.currency import RateBook, money
from scripts.sampledata.leads import SOURCE_WIN_FACTOR, Leads
from scripts.sampledata.orders_and_subscriptions import (
    EXPIRED,
    SUB_CANCELLED,
    Growing,
    OrderBook,
    add_subscriptions,
    bill_moments,
    end_subscriptions,
    new_subscriptions,
    recurring_lines,
)
from scripts.sampledata.pipeline import (
    NEEDS_ANALYSIS,
    NEW_BUSINESS,
    PROPOSAL,
    PROSPECTING,
    QUALIFICATION,
    RENEWAL,
    UPSELL,
    WIN_BASE,
    Deals,
    DealSpec,
    simulate_deals,
)
from scripts.sampledata.products import (
    ANNUAL,
    MONTHLY,
    MONTHLY_SAAS,
    NONE,
    SAAS_CODES,
    Basket,
    Catalogue,
    Lines,
    addon_basket,
    deal_discount,
    legacy_renewal_basket,
    line_cost,
    module_basket,
    new_business_basket,
    price_basket,
    reorder_basket,
    with_legacy_products,
)
from scripts.sampledata.staffing import AE, MANAGER, Staffing

LEGACY_CUSTOMER_SHARE = 0.4
MIGRATED_MONTHLY_SHARE = 0.5  # small legacy customers already on a monthly plan when the CRM went live
LEGACY_PROSPECT_DEAL_SHARE = 0.3
DIRECT_DEAL_SHARE = 0.35  # most outbound prospecting is logged as leads (cold call, cold email)
UPSELL_RATE_PER_MONTH = np.array([0.035, 0.06, 0.09])  # smb, mid_market, enterprise
REORDER_RATE_PER_MONTH = 0.05
MONTHLY_CHURN_HAZARD = 0.022
EARLY_CHURN_FACTOR = 1.6  # the first three bills
WINBACK_SHARE = 0.25
REENGAGE_SHARE = 0.12
CUSTOMER_MEMORY = 540 * DAY  # a buyer without a running plan counts as a customer this long
NO_TIME = np.int64(-(2**62))

OPEN, CLOSE, RENEWAL_DUE, UPSELL_CHECK, REORDER, CHURN = range(6)
WINBACK, MIGRATED = 1, 2  # intent flags
# opportunity name labels: "<product>", "<product> (win-back)", "<product> expansion", "... add-on",
# "Renewal <year> <product>"
LABEL_NEW, LABEL_WINBACK, LABEL_EXPANSION, LABEL_ADDON, LABEL_RENEWAL = range(5)
POS_CODES = (301, 307)


def _local_seconds(moment: np.ndarray) -> np.ndarray:
    return (moment + WIB) % DAY


def add_months_moment(moment: np.ndarray, months: int) -> np.ndarray:
    """Moments moved by whole local-calendar months (day clamped to 28), same time of day."""
    day = add_months(Calendar.local_day(moment), months)
    return local_midnight(day) + _local_seconds(moment)


class Opportunities:
    """The deals opened so far: one row per opportunity, with its batch's stage history matrices."""

    def __init__(self) -> None:
        self.rows = Growing(
            account=np.int64,
            owner=np.int64,
            lead=np.int64,
            opp_type=np.int64,
            currency=np.int64,
            created=np.int64,
            closed_at=np.int64,
            is_won=np.bool_,
            line_start=np.int64,
            line_count=np.int64,
            label=np.int64,
            label_product=np.int64,
            label_year=np.int64,
        )
        self.lines = Growing(
            owner=np.int64,
            product=np.int64,
            quantity=np.int64,
            unit_price=np.int64,
            discount=np.int64,
            unit_cost=np.int64,
            seats=np.int64,
            billing=np.int64,
        )
        self.deals: list[Deals] = []

    def __len__(self) -> int:
        return len(self.rows)

    def lines_of(self, opp: np.ndarray) -> Lines:
        """The lines of opportunities (owner = position in `opp`)."""
        count = self.rows.line_count[opp]
        start = np.repeat(self.rows.line_start[opp], count)
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        index = start + offset
        out = Lines(*(getattr(self.lines, f)[index] for f in Lines.__dataclass_fields__))
        out.owner = np.repeat(np.arange(len(opp)), count)
        return out


class Simulator:
    """Runs every account's event queue from its first deal to the as-of date."""

    def __init__(
        self,
        config: GeneratorConfig,
        rng: np.random.Generator,
        calendar: Calendar,
        staffing: Staffing,
        accounts: Accounts,
        leads: Leads,
        catalogue: Catalogue,
        rates: RateBook,
    ) -> None:
        self.config, self.rng, self.cal = config, rng, calendar
        self.staffing, self.accounts, self.leads = staffing, accounts, leads
        self.catalogue, self.rates = catalogue, rates
        n = len(accounts)
        self.acquired_by = np.full(n, -1, np.int64)
        self.last_win = np.full(n, NO_TIME)
        self.has_pos = np.zeros(n, bool)
        self.upselling = np.zeros(n, bool)
        self.slots = np.full((n, 2), -1, np.int64)  # subscriptions that may still be running
        self.subs = new_subscriptions()
        self.opps = Opportunities()
        self.orders = OrderBook()
        self.queue = {
            name: np.empty(0, np.int64)
            for name in (
                "account",
                "at",
                "seq",
                "kind",
                "intent",
                "lead",
                "sub",
                "anniversary",
                "upgrade",
                "opp",
                "flags",
            )
        }
        self.seq = 0
        self.rounds = 0

    # ----- the queue ---------------------------------------------------------------------------------
    def push(self, account: np.ndarray, at: np.ndarray, kind: int, **payload: np.ndarray | int) -> None:
        """Queue events (those at or after the cutoff never happen)."""
        keep = at < self.cal.cutoff
        n = int(keep.sum())
        if not n:
            return
        defaults = {
            "intent": -1,
            "lead": -1,
            "sub": -1,
            "anniversary": NEVER,
            "upgrade": -1,
            "opp": -1,
            "flags": 0,
        }
        values = {"account": account, "at": at, "kind": kind} | defaults | payload
        new = {
            name: np.broadcast_to(values[name], keep.shape)[keep]
            if np.ndim(values[name])
            else np.full(n, values[name])
            for name in self.queue
            if name != "seq"
        }
        new["seq"] = np.arange(self.seq, self.seq + n)
        self.seq += n
        for name, col in self.queue.items():
            self.queue[name] = np.concatenate([col, new[name].astype(np.int64)])

    def _pop(self) -> dict[str, np.ndarray]:
        """Every account's earliest pending event (by time, then by queueing order)."""
        q = self.queue
        n = len(self.accounts)
        first_at = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_at, q["account"], q["at"])
        candidate = q["at"] == first_at[q["account"]]
        first_seq = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_seq, q["account"][candidate], q["seq"][candidate])
        pick = candidate & (q["seq"] == first_seq[q["account"]])
        batch = {name: col[pick] for name, col in q.items()}
        self.queue = {name: col[~pick] for name, col in q.items()}
        return batch

    def run(self) -> None:
        """Handle rounds of events until no account has anything left before the cutoff."""
        while len(self.queue["account"]):
            self.rounds += 1
            e = self._pop()
            kind = e["kind"]
            for code, handler in ((CLOSE, self._close), (CHURN, self._churn), (REORDER, self._reorder)):
                rows = kind == code
                if rows.any():
                    handler({k: v[rows] for k, v in e.items()})
            opens = []
            migrated = (kind == OPEN) & ((e["flags"] & MIGRATED) > 0)
            if migrated.any():
                self._migrate(e["account"][migrated], e["at"][migrated])
            opens.append({k: v[(kind == OPEN) & ~migrated] for k, v in e.items()})
            due = kind == RENEWAL_DUE
            if due.any():
                running = self.subs.ended[e["sub"][due]] == NEVER
                batch = {k: v[due][running] for k, v in e.items()}
                batch["intent"] = np.full(len(batch["account"]), RENEWAL)
                opens.append(batch)
            check = kind == UPSELL_CHECK
            if check.any():
                opens.append(self._upsell_check({k: v[check] for k, v in e.items()}))
            merged = {k: np.concatenate([o[k] for o in opens]) for k in e}
            if len(merged["account"]):
                self._open(merged)

    # ----- account state -------------------------------------------------------------------------------
    def _active(self, account: np.ndarray, moment: np.ndarray) -> np.ndarray:
        """[row, slot]: whether the slot's subscription runs at the moment."""
        slot = self.slots[account]
        if not len(self.subs):
            return np.zeros(slot.shape, bool)
        sub = np.maximum(slot, 0)
        started, ended = self.subs.started[sub], self.subs.ended[sub]
        return (slot >= 0) & (started <= moment[:, None]) & (moment[:, None] < ended)

    def _is_customer(self, account: np.ndarray, moment: np.ndarray) -> np.ndarray:
        """Has a running subscription or bought within the last 18 months."""
        recent = (self.last_win[account] > NO_TIME) & (moment - self.last_win[account] < CUSTOMER_MEMORY)
        return recent | self._active(account, moment).any(axis=1)

    def _add_to_slots(self, account: np.ndarray, sub: np.ndarray, moment: np.ndarray) -> None:
        """Remember new subscriptions per account (forgetting those that ended before the moment)."""
        for i in range(len(account)):  # accounts repeat when one deal starts several plans
            a = account[i]
            row = self.slots[a]
            gone = (row >= 0) & (self.subs.ended[np.maximum(row, 0)] <= moment[i])
            row[gone] = -1
            free = np.flatnonzero(row < 0)
            if not len(free):
                self.slots = np.concatenate([self.slots, np.full((len(self.slots), 2), -1, np.int64)], axis=1)
                row = self.slots[a]
                free = np.flatnonzero(row < 0)
            row[free[0]] = sub[i]

    def _owner(self, account: np.ndarray, moment: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """Who runs a new deal: the lead's AE when employed, else the account owner, else any covering AE."""
        st, day = self.staffing, self.cal.local_day(moment)
        lead_owner = np.where(lead >= 0, self.leads.owner[np.maximum(lead, 0)], 0)
        use_lead = (lead >= 0) & (st.role[lead_owner] == AE) & st.active(lead_owner, day)
        owner = self.accounts.owner_at(account, moment)
        use_owner = st.active(owner, day) & np.isin(st.role[owner], (AE, MANAGER))
        region, segment = self.accounts.region[account], self.accounts.segment[account]
        picked = np.zeros(len(account), np.int64)
        need = ~use_lead & ~use_owner
        if need.any():
            picked[need] = st.pick_ae(self.rng, region[need], segment[need], day[need])
        return np.where(use_lead, lead_owner, np.where(use_owner, owner, picked))

    def _price(self, basket: Basket, currency: np.ndarray, day: np.ndarray, discount: np.ndarray) -> Lines:
        return price_basket(self.rng, self.catalogue, self.rates, basket, currency, day, discount)

    # ----- deals ---------------------------------------------------------------------------------------
    def _open(self, e: dict[str, np.ndarray]) -> None:
        """Open a deal for each event: items by intent, an owner, then the whole simulated deal."""
        rng, acc = self.rng, self.accounts
        account, moment, lead = e["account"], e["at"], e["lead"]
        n = len(account)
        day = self.cal.local_day(moment)
        segment = acc.segment[account]
        kind = e["intent"].copy()
        kind = np.where((kind == NEW_BUSINESS) & self._active(account, moment).any(axis=1), UPSELL, kind)
        owner = self._owner(account, moment, lead)
        currency = acc.currency[account].copy()
        upgrade = np.full(n, -1, np.int64)
        label = np.where((e["flags"] & WINBACK) > 0, LABEL_WINBACK, LABEL_NEW)
        parts: list[tuple[np.ndarray, Lines]] = []
        # renewals of a running plan: a year of the same seats at the same price
        renew = np.flatnonzero((kind == RENEWAL) & (e["sub"] >= 0))
        if len(renew):
            sub = e["sub"][renew]
            currency[renew] = self.subs.currency[sub]
            parts.append(
                (
                    renew,
                    self._sub_lines(sub, self.subs.seats[sub] * 12, self.subs.seats[sub], ANNUAL, day[renew]),
                )
            )
        # renewals of a contract from before the CRM
        legacy = np.flatnonzero((kind == RENEWAL) & (e["sub"] < 0))
        if len(legacy):
            discount = deal_discount(rng, segment[legacy], np.ones(len(legacy), bool))
            basket = legacy_renewal_basket(rng, segment[legacy])
            parts.append((legacy, self._price(basket, currency[legacy], day[legacy], discount)))
        label = np.where(kind == RENEWAL, LABEL_RENEWAL, label)
        ups = np.flatnonzero(kind == UPSELL)
        if len(ups):
            part, up_label, up_upgrade = self._upsell_items(
                account[ups], moment[ups], segment[ups], currency[ups], day[ups]
            )
            parts.extend((ups[rows], lines) for rows, lines in part)
            label[ups], upgrade[ups] = up_label, up_upgrade
        new = np.flatnonzero(kind == NEW_BUSINESS)
        if len(new):
            basket = with_legacy_products(
                rng, self.catalogue, new_business_basket(rng, segment[new]), day[new]
            )
            discount = deal_discount(rng, segment[new], np.zeros(len(new), bool))
            parts.append((new, self._price(basket, currency[new], day[new], discount)))
        lines = Lines.concat([self._owned(rows, lines) for rows, lines in parts])
        lines = lines.take(np.argsort(lines.owner, kind="stable"))
        st = self.staffing
        lead_owner = self.leads.owner[np.maximum(lead, 0)]
        first_changed_by = np.where((lead >= 0) & st.active(lead_owner, day), lead_owner, -1)
        acquired = self.acquired_by[account]
        style = np.where(acquired >= 0, st.style[np.maximum(acquired, 0)], 0.0)
        win_probability = np.where(kind == RENEWAL, WIN_BASE[RENEWAL, segment] - 0.1 * style, np.nan)
        win_factor = np.where(lead >= 0, SOURCE_WIN_FACTOR[self.leads.source[np.maximum(lead, 0)]], 1.0)
        win_factor = win_factor * np.where((e["flags"] & WINBACK) > 0, 1.1, 1.0)
        start_stage = np.select(
            [kind == RENEWAL, kind == UPSELL, lead >= 0],
            [
                np.full(n, PROPOSAL),
                np.where(rng.random(n) < 0.5, QUALIFICATION, NEEDS_ANALYSIS),
                np.where(rng.random(n) < 0.8, QUALIFICATION, PROSPECTING),
            ],
            PROSPECTING,
        )
        spec = DealSpec(
            account=account,
            segment=segment,
            opp_type=kind,
            created=moment,
            owner=owner,
            currency=currency,
            lines=lines,
            lead=lead,
            first_changed_by=first_changed_by,
            win_probability=win_probability,
            win_factor=win_factor,
            start_stage=start_stage,
        )
        deals = simulate_deals(rng, self.cal, st, spec)
        count = np.bincount(lines.owner, minlength=n)
        first_line = np.cumsum(count) - count
        line_index = self.opps.lines.append(
            owner=len(self.opps) + lines.owner,
            product=lines.product,
            quantity=lines.quantity,
            unit_price=lines.unit_price,
            discount=lines.discount,
            unit_cost=lines.unit_cost,
            seats=lines.seats,
            billing=lines.billing,
        )
        line_start = (line_index[0] if len(line_index) else 0) + first_line
        anniversary = e["anniversary"]
        year_of = np.where(anniversary < NEVER, anniversary, moment)
        opp = self.opps.rows.append(
            account=account,
            owner=owner,
            lead=lead,
            opp_type=kind,
            currency=currency,
            created=moment,
            closed_at=deals.closed_at,
            is_won=deals.is_won,
            line_start=line_start,
            line_count=count,
            label=label,
            label_product=lines.product[first_line],
            label_year=Calendar.local_day(year_of)
            .astype("datetime64[D]")
            .astype("datetime64[Y]")
            .astype(np.int64)
            + 1970,
        )
        self.opps.deals.append(deals)
        has_lead = lead >= 0
        self.leads.opportunity[lead[has_lead]] = opp[has_lead]
        closed = deals.closed_at < NEVER
        self.push(
            account[closed],
            deals.closed_at[closed],
            CLOSE,
            opp=opp[closed],
            intent=e["intent"][closed],
            sub=e["sub"][closed],
            anniversary=anniversary[closed],
            upgrade=upgrade[closed],
        )

    @staticmethod
    def _owned(rows: np.ndarray, lines: Lines) -> Lines:
        out = lines.take(np.arange(len(lines)))
        out.owner = rows[lines.owner]
        return out

    def _sub_lines(
        self,
        sub: np.ndarray,
        quantity: np.ndarray,
        seats: np.ndarray,
        billing: np.ndarray | int,
        day: np.ndarray,
    ) -> Lines:
        """Lines at a subscription's price and discount (renewals and seat upgrades)."""
        subs = self.subs
        unit_price, currency = subs.unit_price[sub], subs.currency[sub]
        return Lines(
            owner=np.arange(len(sub)),
            product=subs.product[sub],
            quantity=quantity,
            unit_price=unit_price,
            discount=money(unit_price / 100 * quantity * subs.discount_rate[sub], currency),
            unit_cost=line_cost(self.rng, self.catalogue, self.rates, subs.product[sub], currency, day),
            seats=seats,
            billing=np.broadcast_to(billing, len(sub)).copy(),
        )

    def _upsell_items(
        self,
        account: np.ndarray,
        moment: np.ndarray,
        segment: np.ndarray,
        currency: np.ndarray,
        day: np.ndarray,
    ) -> tuple[list[tuple[np.ndarray, Lines]], np.ndarray, np.ndarray]:
        """More seats of a running plan, a new cloud module, or an add-on (hardware, services, training)."""
        rng, subs = self.rng, self.subs
        n = len(account)
        active = self._active(account, moment)
        pick = rng.random(n)
        discount = deal_discount(rng, segment, np.zeros(n, bool))
        label = np.full(n, LABEL_ADDON)
        upgrade = np.full(n, -1, np.int64)
        parts: list[tuple[np.ndarray, Lines]] = []
        seats_up = np.flatnonzero(active.any(axis=1) & (pick < 0.45))
        if len(seats_up):
            count = active[seats_up].sum(axis=1)
            choice = (rng.random(len(seats_up)) * count).astype(np.int64)
            slot = np.argmax(np.cumsum(active[seats_up], axis=1) > choice[:, None], axis=1)
            sub = self.slots[account[seats_up], slot]
            added = np.maximum(1, np.rint(subs.seats[sub] * rng.uniform(0.2, 1.0, len(sub)))).astype(np.int64)
            months = np.where(subs.billing[sub] == MONTHLY, 1, 12)
            parts.append(
                (seats_up, self._sub_lines(sub, added * months, added, subs.billing[sub], day[seats_up]))
            )
            label[seats_up], upgrade[seats_up] = LABEL_EXPANSION, sub
        running_products = np.full(active.shape, -1)
        if len(subs):
            running_products = np.where(active, subs.product[np.maximum(self.slots[account], 0)], -1)
        codes = np.array(SAAS_CODES)
        available = ~(running_products[:, :, None] == self.catalogue.index(codes)[None, None, :]).any(axis=1)
        module = np.flatnonzero(~np.isin(np.arange(n), seats_up) & available.any(axis=1) & (pick < 0.7))
        if len(module):
            avail = available[module]
            choice = (rng.random(len(module)) * avail.sum(axis=1)).astype(np.int64)
            code = codes[np.argmax(np.cumsum(avail, axis=1) > choice[:, None], axis=1)]
            basket = module_basket(rng, segment[module], code)
            parts.append((module, self._price(basket, currency[module], day[module], discount[module])))
        addon = np.flatnonzero(~np.isin(np.arange(n), np.r_[seats_up, module]))
        if len(addon):
            basket = addon_basket(rng, segment[addon], self.has_pos[account[addon]])
            parts.append((addon, self._price(basket, currency[addon], day[addon], discount[addon])))
        return parts, label, upgrade

    def _close(self, e: dict[str, np.ndarray]) -> None:
        opp = e["opp"]
        won = self.opps.rows.is_won[opp]
        if won.any():
            self._won({k: v[won] for k, v in e.items()})
        lost = {k: v[~won] for k, v in e.items()}
        account, moment = lost["account"], lost["at"]
        renewal = (lost["intent"] == RENEWAL) & (lost["sub"] >= 0) & (lost["anniversary"] < NEVER)
        if renewal.any():
            ended = np.maximum(lost["anniversary"][renewal], moment[renewal])
            end_subscriptions(
                self.subs, lost["sub"][renewal], ended, moment[renewal], EXPIRED, self.cal.cutoff
            )
            self._maybe_churned(account[renewal], ended)
        first_try = (
            ~renewal
            & (self.opps.rows.opp_type[lost["opp"]] == NEW_BUSINESS)
            & (self.last_win[account] == NO_TIME)
        )
        again = first_try & (self.rng.random(len(account)) < REENGAGE_SHARE)
        if again.any():
            day = self.cal.local_day(moment[again]) + self.rng.integers(120, 301, int(again.sum()))
            self.push(
                account[again], self.cal.business_moment_on_or_after(self.rng, day), OPEN, intent=NEW_BUSINESS
            )

    def _won(self, e: dict[str, np.ndarray]) -> None:
        rng, cal, opps = self.rng, self.cal, self.opps
        account, moment, opp = e["account"], e["at"], e["opp"]
        lines = opps.lines_of(opp)
        owner = opps.rows.owner[opp]
        self.orders.add(account, opp, owner, moment, opps.rows.currency[opp], False, lines, lines.owner)
        first = self.acquired_by[account] < 0
        self.acquired_by[account[first]] = owner[first]
        self.accounts.touch(account[first], moment[first])
        self.last_win[account] = moment
        pos = np.zeros(len(opp), bool)
        pos[lines.owner[np.isin(self.catalogue.codes[lines.product], POS_CODES)]] = True
        self.has_pos[account] |= pos
        start_chains = ~self.upselling[account]
        self.upselling[account] = True
        self._schedule_upsell(account[start_chains], moment[start_chains])
        self._schedule_reorder(account[start_chains], moment[start_chains])
        renewal = (e["intent"] == RENEWAL) & (e["sub"] >= 0) & (e["anniversary"] < NEVER)
        if renewal.any():
            self._schedule_renewal(
                account[renewal], e["sub"][renewal], add_months_moment(e["anniversary"][renewal], 12)
            )
        upgrade = e["upgrade"]
        lag = np.where(upgrade >= 0, rng.uniform(0, 3, len(opp)), rng.uniform(0, 10, len(opp)))
        start = cal.to_office_hours(rng, moment + (lag * DAY).astype(np.int64))
        starts = ~renewal & (start < cal.cutoff)
        saas = self.catalogue.is_saas[lines.product] & starts[lines.owner]
        if not saas.any():
            return
        line = lines.take(np.flatnonzero(saas))
        row = line.owner
        subs = self.subs
        up = upgrade[row] if len(subs) else np.full(len(row), -1)  # no plan yet: nothing to upgrade
        old = np.maximum(up, 0)
        is_upgrade = up >= 0
        if len(subs):
            is_upgrade &= (line.product == subs.product[old]) & (subs.ended[old] == NEVER)
        end_subscriptions(
            subs, up[is_upgrade], start[row][is_upgrade], moment[row][is_upgrade], SUB_CANCELLED, cal.cutoff
        )
        gross = line.quantity * line.unit_price
        line_rate = np.where(gross > 0, line.discount / np.maximum(gross, 1), 0.0)

        def upgraded(column: str, default: np.ndarray) -> np.ndarray:
            """The upgraded plan's value where a line upgrades a plan, else the line's own."""
            if not len(subs):
                return default
            return np.where(is_upgrade, getattr(subs, column)[old], default)

        new_sub = add_subscriptions(
            subs,
            account=account[row],
            product=line.product,
            started=start[row],
            seats=upgraded("seats", np.zeros(len(row), np.int64)) + line.seats,
            unit_price=line.unit_price,
            discount_rate=upgraded("discount_rate", line_rate),
            currency=upgraded("currency", opps.rows.currency[opp][row]),
            billing=upgraded("billing", np.where(line.billing == NONE, ANNUAL, line.billing)),
        )
        self._add_to_slots(account[row], new_sub, moment[row])
        monthly = subs.billing[new_sub] == MONTHLY
        self._schedule_churn(account[row][monthly], new_sub[monthly])
        annual = ~monthly
        self._schedule_renewal(
            account[row][annual], new_sub[annual], add_months_moment(start[row][annual], 12)
        )

    # ----- subscriptions -------------------------------------------------------------------------------
    def _schedule_renewal(self, account: np.ndarray, sub: np.ndarray, anniversary: np.ndarray) -> None:
        ahead = self.rng.integers(45, 76, len(sub)) * DAY
        due = self.cal.to_office_hours(self.rng, anniversary - ahead)
        self.push(account, due, RENEWAL_DUE, sub=sub, anniversary=anniversary)

    def _schedule_churn(self, account: np.ndarray, sub: np.ndarray) -> None:
        """Draw the bill at which a monthly plan is cancelled (a churn hazard per bill, higher for the
        first three) and queue the cancellation if it comes before the cutoff."""
        if not len(sub):
            return
        acquired = self.acquired_by[account]
        factor = np.where(acquired >= 0, self.staffing.churn_factor[np.maximum(acquired, 0)], 1.0)
        hazard = MONTHLY_CHURN_HAZARD * factor
        early = self.rng.geometric(np.minimum(1.0, hazard * EARLY_CHURN_FACTOR))
        late = 3 + self.rng.geometric(np.minimum(1.0, hazard))
        month = np.where(early <= 3, early, late)
        self.subs.column("churn_month")[sub] = month
        moment = bill_moments(self.rng, self.subs.started[sub], month)
        self.push(account, moment, CHURN, sub=sub)

    def _churn(self, e: dict[str, np.ndarray]) -> None:
        running = self.subs.ended[e["sub"]] == NEVER
        account, moment, sub = e["account"][running], e["at"][running], e["sub"][running]
        end_subscriptions(self.subs, sub, moment, moment, SUB_CANCELLED, self.cal.cutoff)
        self._maybe_churned(account, moment)

    def _maybe_churned(self, account: np.ndarray, moment: np.ndarray) -> None:
        """When the last plan ends, some customers come back months later (win-back)."""
        if not len(account):
            return
        gone = ~self._active(account, moment + 1).any(axis=1) & (
            self.rng.random(len(account)) < WINBACK_SHARE
        )
        day = self.cal.local_day(moment[gone]) + self.rng.integers(90, 361, int(gone.sum()))
        later = self.cal.business_moment_on_or_after(self.rng, day)
        self.push(account[gone], later, OPEN, intent=NEW_BUSINESS, flags=WINBACK)

    def _migrate(self, account: np.ndarray, moment: np.ndarray) -> None:
        """Monthly plans already running at go-live: billed from the first month, no deal."""
        rng = self.rng
        n = len(account)
        code = np.array(MONTHLY_SAAS)[rng.integers(0, 3, n)]
        seats = np.select(
            [code == 201, code == 202],
            [rng.integers(1, 7, n), rng.integers(20, 201, n)],
            rng.integers(3, 16, n),
        )
        basket = Basket(n)
        basket.add(np.arange(n), code, seats, MONTHLY)
        currency = self.accounts.currency[account]
        day = self.cal.local_day(moment)
        line = self._price(basket, currency, day, rng.uniform(0, 0.1, n))
        gross = line.quantity * line.unit_price
        sub = add_subscriptions(
            self.subs,
            account=account,
            product=line.product,
            started=moment,
            seats=line.seats,
            unit_price=line.unit_price,
            discount_rate=np.where(gross > 0, line.discount / np.maximum(gross, 1), 0.0),
            currency=currency,
            billing=np.full(n, MONTHLY),
        )
        self._add_to_slots(account, sub, moment)
        self.acquired_by[account] = self.accounts.owner_at(account, moment)
        bill = recurring_lines(rng, self.catalogue, self.rates, self.subs, sub, moment)
        self.orders.add(account, -1, self.acquired_by[account], moment, currency, True, bill, bill.owner)
        self._schedule_churn(account, sub)
        self.upselling[account] = True
        self._schedule_upsell(account, moment)

    # ----- expansion and repeat business ---------------------------------------------------------------
    def _schedule_upsell(self, account: np.ndarray, moment: np.ndarray) -> None:
        rate = UPSELL_RATE_PER_MONTH[self.accounts.segment[account]]
        day = self.cal.local_day(moment) + (30.4 * self.rng.exponential(1.0 / rate)).astype(np.int64)
        self.push(account, self.cal.business_moment_on_or_after(self.rng, day), UPSELL_CHECK)

    def _upsell_check(self, e: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """A customer may buy more (the deal opens now and the next look is scheduled); a lapsed one stops."""
        customer = self._is_customer(e["account"], e["at"])
        self.upselling[e["account"][~customer]] = False
        batch = {k: v[customer] for k, v in e.items()}
        batch["intent"] = np.full(len(batch["account"]), UPSELL)
        self._schedule_upsell(batch["account"], batch["at"])
        return batch

    def _schedule_reorder(self, account: np.ndarray, moment: np.ndarray) -> None:
        day = self.cal.local_day(moment) + (
            30.4 * self.rng.exponential(1.0 / REORDER_RATE_PER_MONTH, len(account))
        ).astype(np.int64)
        self.push(account, self.cal.business_moment_on_or_after(self.rng, day), REORDER)

    def _reorder(self, e: dict[str, np.ndarray]) -> None:
        account, moment = e["account"], e["at"]
        ok = self.has_pos[account] & self._is_customer(account, moment)
        account, moment = account[ok], moment[ok]
        n = len(account)
        if not n:
            return
        segment = self.accounts.segment[account]
        currency = self.accounts.currency[account]
        lines = self._price(
            reorder_basket(self.rng, segment),
            currency,
            self.cal.local_day(moment),
            self.rng.uniform(0.0, 0.05, n),
        )
        rep = self.accounts.owner_at(account, moment)
        self.orders.add(account, -1, rep, moment, currency, False, lines, lines.owner)
        self._schedule_reorder(account, moment)


def initial_intents(sim: Simulator) -> None:
    """The first reasons to open a deal with each account: leads, pre-CRM contracts, rep prospecting."""
    rng, cal, acc, leads = sim.rng, sim.cal, sim.accounts, sim.leads
    converted = np.flatnonzero(leads.account >= 0)
    n = len(acc)
    u = rng.random((5, n))
    legacy = acc.origin == 0
    # a foreign company is in the CRM because it does business here: it has a contract or a first deal
    foreign = acc.location >= 0
    migrated = legacy & (u[0] < LEGACY_CUSTOMER_SHARE) & (acc.segment == 0) & (u[1] < MIGRATED_MONTHLY_SHARE)
    renewal = legacy & ~migrated & ((u[2] < LEGACY_CUSTOMER_SHARE) | foreign)
    prospect = legacy & ~migrated & ~renewal & (u[3] < LEGACY_PROSPECT_DEAL_SHARE)
    direct = (acc.origin == 1) & ((u[4] < DIRECT_DEAL_SHARE) | foreign)
    migrated_at = cal.business_moment_on_or_after(rng, cal.start_day + rng.integers(0, 28, n))
    renewal_at = cal.business_moment_on_or_after(rng, cal.start_day + rng.integers(3, 331, n))
    prospect_at = cal.business_time(rng, cal.sample_days(rng, n, lo=cal.start_day + 7))
    direct_at = cal.to_office_hours(rng, acc.created + (rng.uniform(0, 14, n) * DAY).astype(np.int64))
    at = np.select([migrated, renewal, prospect], [migrated_at, renewal_at, prospect_at], direct_at)
    intent = np.where(renewal, RENEWAL, NEW_BUSINESS)
    flags = np.where(migrated, MIGRATED, 0)
    chosen = migrated | renewal | prospect | direct
    # an account's intents are queued in order: its leads first (by conversion), then its own
    account = np.r_[leads.account[converted], np.flatnonzero(chosen)]
    order = np.lexsort((np.arange(len(account)), account))
    sim.push(
        account[order],
        np.r_[leads.converted_at[converted], at[chosen]][order],
        OPEN,
        intent=np.r_[np.full(len(converted), NEW_BUSINESS), intent[chosen]][order],
        lead=np.r_[converted, np.full(int(chosen.sum()), -1)][order],
        flags=np.r_[np.zeros(len(converted), np.int64), flags[chosen]][order],
    )


def simulate_accounts(
    config: GeneratorConfig,
    rng: np.random.Generator,
    calendar: Calendar,
    staffing: Staffing,
    accounts: Accounts,
    leads: Leads,
    catalogue: Catalogue,
    rates: RateBook,
) -> Simulator:
    """Run every account's life from its first deal to the as-of date."""
    leads.opportunity = np.full(len(leads), -1, np.int64)
    sim = Simulator(config, rng, calendar, staffing, accounts, leads, catalogue, rates)
    initial_intents(sim)
    sim.run()
    return sim
