"""The price list and the baskets deals are made of (what a deal sells, priced in its currency).

A basket is a small matrix per deal: up to MAX_LINES (product code, count, billing) cells, -1 where there
is no line. Every basket function fills the baskets of a whole batch of deals at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.currency import CURRENCY_INDEX, RateBook, money, nice_price
from scripts.sampledata.reference import SEGMENT_NAMES

# code, name, category, kind, list price (IDR), unit cost (IDR), active
# code, name, category, kind, list price (IDR), unit cost (IDR), active
PRICE_LIST: tuple[tuple[int, str, str, str, int, int, bool], ...] = (
    (101, "Nusantara ERP Standard - User License", "Software License", "license", 4_500_000, 900_000, True),
    (
        102,
        "Nusantara ERP Enterprise - User License",
        "Software License",
        "license",
        8_500_000,
        1_700_000,
        True,
    ),
    (103, "Nusantara POS Desktop License", "Software License", "license", 3_200_000, 640_000, True),
    (104, "Accounting Module Add-on License", "Software License", "license", 2_500_000, 500_000, True),
    (105, "Legacy ERP v7 License", "Software License", "license", 3_900_000, 900_000, False),
    (201, "KasirKu POS Cloud - per Outlet/Month", "SaaS Subscription", "saas", 299_000, 45_000, True),
    (202, "HR & Payroll Cloud - per Employee/Month", "SaaS Subscription", "saas", 35_000, 6_000, True),
    (203, "CRM Cloud Pro - per User/Month", "SaaS Subscription", "saas", 250_000, 40_000, True),
    (
        204,
        "Inventory & Warehouse Cloud - per Site/Month",
        "SaaS Subscription",
        "saas",
        1_500_000,
        270_000,
        True,
    ),
    (205, "Nusantara ERP Cloud Suite - per User/Month", "SaaS Subscription", "saas", 650_000, 110_000, True),
    (301, "POS Terminal Bundle (All-in-One)", "Hardware", "hardware", 8_900_000, 7_400_000, True),
    (302, "Thermal Receipt Printer 80mm", "Hardware", "hardware", 1_650_000, 1_350_000, True),
    (303, "Barcode Scanner 2D", "Hardware", "hardware", 950_000, 760_000, True),
    (304, "Thin Client T200", "Hardware", "hardware", 6_500_000, 5_450_000, True),
    (305, "Rack Server 1U (Xeon)", "Hardware", "hardware", 48_000_000, 41_500_000, True),
    (306, "Managed Switch 24-port", "Hardware", "hardware", 7_800_000, 6_500_000, True),
    (307, "POS Terminal Gen-1", "Hardware", "hardware", 7_500_000, 6_400_000, False),
    (401, "Implementation Package - SMB", "Implementation Services", "service", 25_000_000, 15_500_000, True),
    (402, "Consultant Man-day", "Implementation Services", "service", 6_500_000, 4_100_000, True),
    (403, "Data Migration Package", "Implementation Services", "service", 18_000_000, 11_000_000, True),
    (404, "Custom Integration (API)", "Implementation Services", "service", 45_000_000, 29_000_000, True),
    (501, "Onsite Training - per Day", "Training", "training", 7_500_000, 3_600_000, True),
    (502, "Online Training - per Seat", "Training", "training", 850_000, 260_000, True),
    (503, "Train-the-Trainer Program", "Training", "training", 22_000_000, 10_500_000, True),
    (601, "Annual Support - Standard (per User)", "Support & Maintenance", "support", 900_000, 310_000, True),
    (602, "Premium Support 24x7 (Annual)", "Support & Maintenance", "support", 60_000_000, 23_000_000, True),
)
PLANNING_USD_IDR = 16_000.0  # list prices of a USD-reporting company are the IDR list converted at this
MONTHLY_SAAS = (201, 202, 203)
SAAS_CODES = (201, 202, 203, 204, 205)
DISCONTINUED = {105: 240, 307: 300}  # product code -> days after the start it was last sold
SUCCESSOR = {105: 101, 307: 301}
LINE_DISCOUNT_SHARE = {"service": 0.5, "training": 0.5, "hardware": 0.4, "support": 0.0}
NONE, MONTHLY, ANNUAL = 0, 1, 2  # billing of a line (SaaS lines only)
BILLING_MONTHS = np.array([1, 1, 12])
MAX_LINES = 8
NULL_MONEY = np.iinfo(np.int64).min  # a unit cost that is not known
SMB, MID, ENT = range(3)
assert SEGMENT_NAMES == ("smb", "mid_market", "enterprise")


@dataclass(frozen=True)
class Catalogue:
    """The price list in the reporting currency; arrays are indexed by product index (price-list order)."""

    codes: np.ndarray
    names: tuple[str, ...]
    categories: tuple[str, ...]
    kinds: tuple[str, ...]
    list_price: np.ndarray  # cents, reporting currency
    unit_cost: np.ndarray  # cents, reporting currency
    active: np.ndarray
    updated_at: np.ndarray
    sold_until: np.ndarray  # epoch day the product was last sold (NEVER for active ones)
    currency: int
    by_code: np.ndarray  # product code -> product index

    @property
    def is_saas(self) -> np.ndarray:
        return np.array([k == "saas" for k in self.kinds])

    @property
    def is_hardware(self) -> np.ndarray:
        return np.array([k == "hardware" for k in self.kinds])

    @property
    def line_discount_share(self) -> np.ndarray:
        return np.array([LINE_DISCOUNT_SHARE.get(k, 1.0) for k in self.kinds])

    def index(self, code: np.ndarray) -> np.ndarray:
        return self.by_code[np.asarray(code)]


def build_catalogue(config: GeneratorConfig, calendar: Calendar, rng: np.random.Generator) -> Catalogue:
    """The price list in the reporting currency, with last-update times and discontinued items."""
    reporting = config.reporting_currency
    code = np.array([p[0] for p in PRICE_LIST])
    price_idr = np.array([p[4] for p in PRICE_LIST], np.float64)
    cost_idr = np.array([p[5] for p in PRICE_LIST], np.float64)
    active = np.array([p[6] for p in PRICE_LIST])
    currency = CURRENCY_INDEX[reporting]
    if reporting == "IDR":
        price, cost = (price_idr * 100).astype(np.int64), (cost_idr * 100).astype(np.int64)
    else:
        price = nice_price(price_idr / PLANNING_USD_IDR, currency)
        cost = money(price / 100 * cost_idr / price_idr, currency)
    sold_until = np.array(
        [
            min(calendar.start_day + DISCONTINUED[c], calendar.end_day) if c in DISCONTINUED else 2**40
            for c in code
        ]
    )
    sampled = calendar.sample_days(rng, len(code))
    updated_day = np.minimum(np.where(active, sampled, sold_until + 1), calendar.end_day)
    updated_at = np.minimum(
        calendar.business_moment_on_or_after(rng, updated_day), calendar.cutoff - 13 * 3600
    )
    by_code = np.full(700, -1, np.int64)
    by_code[code] = np.arange(len(code))
    return Catalogue(
        codes=code,
        names=tuple(p[1] for p in PRICE_LIST),
        categories=tuple(p[2] for p in PRICE_LIST),
        kinds=tuple(p[3] for p in PRICE_LIST),
        list_price=price,
        unit_cost=cost,
        active=active,
        updated_at=updated_at,
        sold_until=sold_until,
        currency=currency,
        by_code=by_code,
    )


# ----- baskets -------------------------------------------------------------------------------------
class Basket:
    """Baskets of n deals: code, count and billing per cell (code -1: no line)."""

    def __init__(self, n: int) -> None:
        self.code = np.full((n, MAX_LINES), -1, np.int64)
        self.count = np.zeros((n, MAX_LINES), np.int64)
        self.billing = np.zeros((n, MAX_LINES), np.int64)
        self._next = np.zeros(n, np.int64)

    @property
    def n(self) -> int:
        return len(self._next)

    def add(
        self,
        rows: np.ndarray,
        code: int | np.ndarray,
        count: int | np.ndarray,
        billing: int | np.ndarray = NONE,
    ) -> None:
        """Append a line to the baskets of rows (indexes, or a boolean mask)."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        if not len(rows):
            return
        slot = self._next[rows]
        self.code[rows, slot] = np.broadcast_to(code, rows.shape) if np.ndim(code) == 0 else code
        self.count[rows, slot] = np.broadcast_to(count, rows.shape) if np.ndim(count) == 0 else count
        self.billing[rows, slot] = np.broadcast_to(billing, rows.shape) if np.ndim(billing) == 0 else billing
        self._next[rows] += 1

    @staticmethod
    def concat(baskets: list[Basket]) -> Basket:
        out = Basket(0)
        out.code = np.concatenate([b.code for b in baskets])
        out.count = np.concatenate([b.count for b in baskets])
        out.billing = np.concatenate([b.billing for b in baskets])
        out._next = np.concatenate([b._next for b in baskets])
        return out


def _geometric(rng: np.random.Generator, n: int, lo: int, hi: int, mean_extra: float) -> np.ndarray:
    """Integers from lo, skewed low, capped at hi."""
    return np.minimum(hi, lo + rng.exponential(mean_extra, n).astype(np.int64))


def _log_uniform(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    return np.rint(lo * (hi / lo) ** rng.random(n)).astype(np.int64)


def _randint(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """Integers in [lo, hi], both ends included."""
    return rng.integers(lo, hi + 1, n)


def saas_billing(rng: np.random.Generator, segment: np.ndarray, code: np.ndarray | int) -> np.ndarray:
    """Small customers pay the per-outlet / per-user cloud products monthly; everyone else yearly."""
    monthly = (segment == SMB) & np.isin(code, MONTHLY_SAAS) & (rng.random(len(segment)) < 0.85)
    return np.where(monthly, MONTHLY, ANNUAL)


def _chance(rng: np.random.Generator, rows: np.ndarray, p: float) -> np.ndarray:
    return rows[rng.random(len(rows)) < p]


def new_business_basket(rng: np.random.Generator, segment: np.ndarray) -> Basket:
    """What a first deal with a customer sells, by segment."""
    n = len(segment)
    basket = Basket(n)
    pick = rng.random(n)
    r = rng.random((4, n))
    smb, mid, ent = segment == SMB, segment == MID, segment == ENT
    # small businesses: point of sale, payroll, ERP licences, CRM
    pos = np.flatnonzero(smb & (pick < 0.38))
    outlets = _geometric(rng, len(pos), 1, 12, 1.5)
    basket.add(pos, 201, outlets, saas_billing(rng, segment[pos], 201))
    basket.add(pos, 301, outlets)
    basket.add(pos, 302, outlets)
    scanner = r[0, pos] < 0.35
    basket.add(pos[scanner], 303, outlets[scanner])
    training = r[1, pos] < 0.5
    basket.add(pos[training], 502, 2 * outlets[training])
    payroll = np.flatnonzero(smb & (pick >= 0.38) & (pick < 0.62))
    basket.add(
        payroll, 202, _log_uniform(rng, len(payroll), 25, 300), saas_billing(rng, segment[payroll], 202)
    )
    basket.add(payroll[r[0, payroll] < 0.4], 502, _randint(rng, int((r[0, payroll] < 0.4).sum()), 2, 5))
    erp = np.flatnonzero(smb & (pick >= 0.62) & (pick < 0.84))
    users = _randint(rng, len(erp), 4, 18)
    basket.add(erp, 101, users)
    basket.add(erp, 401, 1)
    basket.add(erp, 501, _randint(rng, len(erp), 1, 2))
    support = r[0, erp] < 0.6
    basket.add(erp[support], 601, users[support])
    addon = r[1, erp] < 0.25
    basket.add(erp[addon], 104, users[addon])
    crm = np.flatnonzero(smb & (pick >= 0.84))
    users = _randint(rng, len(crm), 3, 15)
    basket.add(crm, 203, users, saas_billing(rng, segment[crm], 203))
    seats = r[0, crm] < 0.3
    basket.add(crm[seats], 502, users[seats])
    # mid-market: cloud ERP, ERP licences, inventory, HR and CRM
    cloud = np.flatnonzero(mid & (pick < 0.35))
    basket.add(cloud, 205, _randint(rng, len(cloud), 15, 80), ANNUAL)
    basket.add(cloud, 402, _randint(rng, len(cloud), 8, 30))
    basket.add(cloud, 501, _randint(rng, len(cloud), 2, 4))
    basket.add(cloud[r[0, cloud] < 0.5], 403, 1)
    lic = np.flatnonzero(mid & (pick >= 0.35) & (pick < 0.6))
    users = _randint(rng, len(lic), 20, 80)
    basket.add(lic, 101, users)
    basket.add(lic, 402, _randint(rng, len(lic), 10, 30))
    basket.add(lic, 601, users)
    basket.add(lic, 501, 2)
    thin = r[0, lic] < 0.4
    basket.add(lic[thin], 304, np.maximum(2, users[thin] // 4))
    inv = np.flatnonzero(mid & (pick >= 0.6) & (pick < 0.8))
    sites = _randint(rng, len(inv), 2, 6)
    basket.add(inv, 204, sites, ANNUAL)
    basket.add(inv, 303, 4 * sites)
    basket.add(inv, 402, _randint(rng, len(inv), 5, 15))
    hr = np.flatnonzero(mid & (pick >= 0.8))
    basket.add(hr, 203, _randint(rng, len(hr), 10, 40), ANNUAL)
    basket.add(hr, 202, _log_uniform(rng, len(hr), 100, 600), ANNUAL)
    basket.add(hr, 502, 10)
    # enterprise: ERP roll-outs, cloud suite, payroll
    roll = np.flatnonzero(ent & (pick < 0.45))
    basket.add(roll, 102, _log_uniform(rng, len(roll), 50, 300))
    basket.add(roll, 404, _randint(rng, len(roll), 1, 3))
    basket.add(roll, 402, _log_uniform(rng, len(roll), 30, 120))
    basket.add(roll, 306, _randint(rng, len(roll), 1, 6))
    basket.add(roll, 602, 1)
    basket.add(roll, 503, 1)
    servers = r[0, roll] < 0.5
    basket.add(roll[servers], 305, _randint(rng, int(servers.sum()), 1, 4))
    suite = np.flatnonzero(ent & (pick >= 0.45) & (pick < 0.8))
    basket.add(suite, 205, _log_uniform(rng, len(suite), 60, 350), ANNUAL)
    basket.add(suite, 404, _randint(rng, len(suite), 1, 2))
    basket.add(suite, 402, _log_uniform(rng, len(suite), 20, 90))
    basket.add(suite, 503, 1)
    basket.add(suite[r[0, suite] < 0.4], 602, 1)
    pay = np.flatnonzero(ent & (pick >= 0.8))
    basket.add(pay, 202, _log_uniform(rng, len(pay), 600, 3500), ANNUAL)
    basket.add(pay, 402, _randint(rng, len(pay), 10, 40))
    basket.add(pay[r[0, pay] < 0.6], 403, 1)
    return basket


def addon_basket(rng: np.random.Generator, segment: np.ndarray, has_pos: np.ndarray) -> Basket:
    """An upsell without a subscription change: hardware, services, training or licences."""
    n = len(segment)
    basket = Basket(n)
    scale = np.array([1, 3, 8])[segment]
    pick = rng.random(n)
    hardware = np.flatnonzero(has_pos & (pick < 0.4))
    count = _randint(rng, len(hardware), 1, 3) * scale[hardware]
    basket.add(hardware, 301, count)
    basket.add(hardware, 302, count)
    scanner = rng.random(len(hardware)) < 0.4
    basket.add(hardware[scanner], 303, count[scanner])
    rest = ~(has_pos & (pick < 0.4))
    services = np.flatnonzero(rest & (pick < 0.6))
    basket.add(services, 402, _randint(rng, len(services), 3, 10) * scale[services])
    training = np.flatnonzero(rest & (pick >= 0.6) & (pick < 0.8))
    basket.add(training, 501, _randint(rng, len(training), 1, 3))
    basket.add(training, 502, _randint(rng, len(training), 3, 12) * scale[training])
    licences = np.flatnonzero(rest & (pick >= 0.8))
    users = _randint(rng, len(licences), 3, 12) * scale[licences]
    basket.add(licences, np.where(segment[licences] == ENT, 102, 101), users)
    basket.add(licences, 601, users)
    return basket


def reorder_basket(rng: np.random.Generator, segment: np.ndarray) -> Basket:
    """A repeat order without an opportunity (spare hardware, extra training seats)."""
    n = len(segment)
    basket = Basket(n)
    scale = np.array([1, 2, 5])[segment]
    pick = rng.random(n)
    code = np.select([pick < 0.45, pick < 0.7, pick < 0.85], [302, 303, 301], 502)
    count = np.select(
        [pick < 0.45, pick < 0.7, pick < 0.85],
        [_randint(rng, n, 1, 3), _randint(rng, n, 1, 4), _randint(rng, n, 1, 2)],
        _randint(rng, n, 2, 8),
    )
    basket.add(np.arange(n), code, count * scale)
    return basket


def legacy_renewal_basket(rng: np.random.Generator, segment: np.ndarray) -> Basket:
    """The contract an existing (pre-CRM) customer renews: a cloud plan or annual support."""
    n = len(segment)
    basket = Basket(n)
    cloud = rng.random(n) < 0.55
    u = rng.random(n)
    ent = np.flatnonzero(cloud & (segment == ENT))
    basket.add(ent, 205, _log_uniform(rng, len(ent), 80, 400), ANNUAL)
    mid = np.flatnonzero(cloud & (segment == MID))
    basket.add(mid, np.where(u[mid] < 0.5, 205, 204), _randint(rng, len(mid), 5, 50), ANNUAL)
    smb = np.flatnonzero(cloud & (segment == SMB))
    basket.add(
        smb, np.array(MONTHLY_SAAS)[rng.integers(0, 3, len(smb))], _randint(rng, len(smb), 3, 40), ANNUAL
    )
    support = np.flatnonzero(~cloud)
    users = np.select(
        [segment[support] == SMB, segment[support] == MID],
        [_randint(rng, len(support), 5, 20), _randint(rng, len(support), 20, 80)],
        _randint(rng, len(support), 80, 400),
    )
    basket.add(support, 601, users)
    basket.add(support[segment[support] == ENT], 602, 1)
    return basket


def module_basket(rng: np.random.Generator, segment: np.ndarray, code: np.ndarray) -> Basket:
    """An upsell of one more cloud module (code), seats by module and account size."""
    n = len(segment)
    basket = Basket(n)
    scale = np.array([1, 4, 15])[segment]
    seats = np.select(
        [code == 201, code == 202, code == 203, code == 204],
        [_randint(rng, n, 1, 5), _randint(rng, n, 25, 300), _randint(rng, n, 3, 20), _randint(rng, n, 1, 3)],
        _randint(rng, n, 10, 60),
    )
    basket.add(np.arange(n), code, seats * scale, saas_billing(rng, segment, code))
    return basket


def with_legacy_products(
    rng: np.random.Generator, catalogue: Catalogue, basket: Basket, day: np.ndarray
) -> Basket:
    """Early deals sometimes still sell the products that were discontinued later."""
    for new, old in ((101, 105), (301, 307)):
        still_sold = day <= catalogue.sold_until[catalogue.index(old)]
        swap = (basket.code == new) & (rng.random(basket.code.shape) < 0.5) & still_sold[:, None]
        basket.code[swap] = old
    return basket


# ----- pricing -------------------------------------------------------------------------------------
def deal_discount(rng: np.random.Generator, segment: np.ndarray, renewal: np.ndarray) -> np.ndarray:
    """The discount rate a deal ends with."""
    lo = np.array([0.0, 0.03, 0.08])[segment]
    hi = np.array([0.08, 0.15, 0.25])[segment]
    lo, hi = np.where(renewal, 0.0, lo), np.where(renewal, 0.05, hi)
    return lo + rng.random(len(segment)) * (hi - lo)


@dataclass
class Lines:
    """Priced lines (flat), each belonging to a row (`owner`) of the batch that priced them."""

    owner: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray  # cents
    discount: np.ndarray  # cents
    unit_cost: np.ndarray  # cents, NULL_MONEY when unknown
    seats: np.ndarray
    billing: np.ndarray

    @property
    def net(self) -> np.ndarray:
        return self.quantity * self.unit_price - self.discount

    def __len__(self) -> int:
        return len(self.owner)

    def take(self, index: np.ndarray) -> Lines:
        return Lines(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in Lines.__dataclass_fields__))

    @staticmethod
    def empty() -> Lines:
        return Lines(*(np.empty(0, np.int64) for _ in Lines.__dataclass_fields__))


def line_cost(
    rng: np.random.Generator,
    catalogue: Catalogue,
    rates: RateBook,
    product: np.ndarray,
    currency: np.ndarray,
    day: np.ndarray,
) -> np.ndarray:
    """Unit costs in the line currency (about one line in ten leaves it NULL: the product's applies)."""
    n = len(product)
    unknown = rng.random(n) < 0.1
    noise = np.where(catalogue.is_hardware[product], rng.uniform(0.96, 1.04, n), 1.0)
    cost = money(catalogue.unit_cost[product] / 100 * noise / rates.rate(currency, day), currency)
    return np.where(unknown, NULL_MONEY, cost)


def price_basket(
    rng: np.random.Generator,
    catalogue: Catalogue,
    rates: RateBook,
    basket: Basket,
    currency: np.ndarray,
    day: np.ndarray,
    discount_rate: np.ndarray,
) -> Lines:
    """Turn baskets into priced lines in each deal's currency at the rates of its day, with its discount."""
    row, slot = np.nonzero(basket.code >= 0)
    product = catalogue.index(basket.code[row, slot])
    count, billing = basket.count[row, slot], basket.billing[row, slot]
    cur, when = currency[row], day[row]
    rate = rates.rate(cur, when)
    unit_price = nice_price(catalogue.list_price[product] / 100 / rate, cur)
    quantity = count * BILLING_MONTHS[billing]
    line_rate = catalogue.line_discount_share[product] * discount_rate[row]
    discount = money(quantity * unit_price / 100 * line_rate, cur)
    unit_cost = line_cost(rng, catalogue, rates, product, cur, when)
    seats = np.where(billing > NONE, count, 0)
    return Lines(row, product, quantity, unit_price, discount, unit_cost, seats, billing)
