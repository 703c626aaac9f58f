"""The price list and the baskets deals are made of (what a deal sells, priced in its currency)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.currency import RateBook, money, nice_price
from scripts.sampledata.entities import LineItem, Product

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
DISCONTINUED = MappingProxyType({105: 240, 307: 300})  # product code -> days after the start it was last sold
SEAT_MONTHS = MappingProxyType({"monthly": 1, "annual": 12})
LINE_DISCOUNT_SHARE = MappingProxyType({"service": 0.5, "training": 0.5, "hardware": 0.4, "support": 0.0})


@dataclass(frozen=True)
class Catalogue:
    """The price list, by product code."""

    products: tuple[Product, ...]

    def get(self, code: int) -> Product:
        """The product with code (PRD-<code>)."""
        product_id = f"PRD-{code}"
        return next(p for p in self.products if p.product_id == product_id)


def build_catalogue(reporting: str, calendar: Calendar, rng: random.Random) -> Catalogue:
    """The price list in the reporting currency, with last-update times and discontinued items."""
    products = []
    for code, name, category, kind, price_idr, cost_idr, active in PRICE_LIST:
        if reporting == "IDR":
            price, cost = (
                Decimal(price_idr).quantize(Decimal("0.01")),
                Decimal(cost_idr).quantize(Decimal("0.01")),
            )
        else:
            price = nice_price(price_idr / PLANNING_USD_IDR, reporting)
            cost = money(float(price) * cost_idr / price_idr, reporting)
        sold_until = None
        if not active:
            sold_until = min(calendar.start + timedelta(days=DISCONTINUED[code]), calendar.end)
            updated_day = sold_until + timedelta(days=1)
        else:
            updated_day = calendar.sample_day(rng)
        updated_at = calendar.business_moment_on_or_after(rng, min(updated_day, calendar.end))
        updated_at = min(updated_at, calendar.cutoff - timedelta(hours=13))
        products.append(
            Product(
                f"PRD-{code}", name, category, kind, price, cost, reporting, active, updated_at, sold_until
            )
        )
    return Catalogue(tuple(products))


# ----- baskets -------------------------------------------------------------------------------------
# A basket is a list of (product code, quantity or seats, billing); billing is set for SaaS lines only.
Basket = list[tuple[int, int, str | None]]


def _geometric(rng: random.Random, lo: int, hi: int, mean_extra: float) -> int:
    """An integer from lo, skewed low, capped at hi."""
    return min(hi, lo + int(rng.expovariate(1.0 / mean_extra)))


def _log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    return round(lo * (hi / lo) ** rng.random())


def saas_billing(rng: random.Random, segment: str, code: int) -> str:
    """Small customers pay the per-outlet / per-user cloud products monthly; everyone else yearly."""
    if segment == "smb" and code in MONTHLY_SAAS and rng.random() < 0.85:
        return "monthly"
    return "annual"


def new_business_basket(rng: random.Random, segment: str) -> Basket:
    """What a first deal with a customer sells, by segment."""
    if segment == "smb":
        return _smb_basket(rng)
    if segment == "mid_market":
        return _mid_market_basket(rng)
    return _enterprise_basket(rng)


def _smb_basket(rng: random.Random) -> Basket:
    pick = rng.random()
    if pick < 0.38:
        outlets = _geometric(rng, 1, 12, 1.5)
        basket: Basket = [
            (201, outlets, saas_billing(rng, "smb", 201)),
            (301, outlets, None),
            (302, outlets, None),
        ]
        if rng.random() < 0.35:
            basket.append((303, outlets, None))
        if rng.random() < 0.5:
            basket.append((502, 2 * outlets, None))
        return basket
    if pick < 0.62:
        employees = _log_uniform(rng, 25, 300)
        basket = [(202, employees, saas_billing(rng, "smb", 202))]
        if rng.random() < 0.4:
            basket.append((502, rng.randint(2, 5), None))
        return basket
    if pick < 0.84:
        users = rng.randint(4, 18)
        basket = [(101, users, None), (401, 1, None), (501, rng.randint(1, 2), None)]
        if rng.random() < 0.6:
            basket.append((601, users, None))
        if rng.random() < 0.25:
            basket.append((104, users, None))
        return basket
    users = rng.randint(3, 15)
    basket = [(203, users, saas_billing(rng, "smb", 203))]
    if rng.random() < 0.3:
        basket.append((502, users, None))
    return basket


def _mid_market_basket(rng: random.Random) -> Basket:
    pick = rng.random()
    if pick < 0.35:
        users = rng.randint(15, 80)
        basket: Basket = [
            (205, users, "annual"),
            (402, rng.randint(8, 30), None),
            (501, rng.randint(2, 4), None),
        ]
        if rng.random() < 0.5:
            basket.append((403, 1, None))
        return basket
    if pick < 0.6:
        users = rng.randint(20, 80)
        basket = [(101, users, None), (402, rng.randint(10, 30), None), (601, users, None), (501, 2, None)]
        if rng.random() < 0.4:
            basket.append((304, max(2, users // 4), None))
        return basket
    if pick < 0.8:
        sites = rng.randint(2, 6)
        return [(204, sites, "annual"), (303, 4 * sites, None), (402, rng.randint(5, 15), None)]
    return [
        (203, rng.randint(10, 40), "annual"),
        (202, _log_uniform(rng, 100, 600), "annual"),
        (502, 10, None),
    ]


def _enterprise_basket(rng: random.Random) -> Basket:
    pick = rng.random()
    if pick < 0.45:
        users = _log_uniform(rng, 50, 300)
        basket: Basket = [
            (102, users, None),
            (404, rng.randint(1, 3), None),
            (402, _log_uniform(rng, 30, 120), None),
            (306, rng.randint(1, 6), None),
            (602, 1, None),
            (503, 1, None),
        ]
        if rng.random() < 0.5:
            basket.append((305, rng.randint(1, 4), None))
        return basket
    if pick < 0.8:
        users = _log_uniform(rng, 60, 350)
        basket = [
            (205, users, "annual"),
            (404, rng.randint(1, 2), None),
            (402, _log_uniform(rng, 20, 90), None),
        ]
        basket.append((503, 1, None))
        if rng.random() < 0.4:
            basket.append((602, 1, None))
        return basket
    employees = _log_uniform(rng, 600, 3500)
    basket = [(202, employees, "annual"), (402, rng.randint(10, 40), None)]
    if rng.random() < 0.6:
        basket.append((403, 1, None))
    return basket


def addon_basket(rng: random.Random, segment: str, has_pos: bool) -> Basket:
    """An upsell or reorder without a subscription change: hardware, services, training or licences."""
    scale = {"smb": 1, "mid_market": 3, "enterprise": 8}[segment]
    pick = rng.random()
    if has_pos and pick < 0.4:
        n = rng.randint(1, 3) * scale
        basket: Basket = [(301, n, None), (302, n, None)]
        if rng.random() < 0.4:
            basket.append((303, n, None))
        return basket
    if pick < 0.6:
        return [(402, rng.randint(3, 10) * scale, None)]
    if pick < 0.8:
        return [(501, rng.randint(1, 3), None), (502, rng.randint(3, 12) * scale, None)]
    users = rng.randint(3, 12) * scale
    return [(101 if segment != "enterprise" else 102, users, None), (601, users, None)]


def reorder_basket(rng: random.Random, segment: str) -> Basket:
    """A repeat order without an opportunity (spare hardware, extra training seats)."""
    scale = {"smb": 1, "mid_market": 2, "enterprise": 5}[segment]
    pick = rng.random()
    if pick < 0.45:
        return [(302, rng.randint(1, 3) * scale, None)]
    if pick < 0.7:
        return [(303, rng.randint(1, 4) * scale, None)]
    if pick < 0.85:
        return [(301, rng.randint(1, 2) * scale, None)]
    return [(502, rng.randint(2, 8) * scale, None)]


def legacy_renewal_basket(rng: random.Random, segment: str) -> Basket:
    """The contract an existing (pre-CRM) customer renews: a cloud plan or annual support."""
    if rng.random() < 0.55:
        if segment == "enterprise":
            return [(205, _log_uniform(rng, 80, 400), "annual")]
        if segment == "mid_market":
            return [(205 if rng.random() < 0.5 else 204, rng.randint(5, 50), "annual")]
        return [(rng.choice(MONTHLY_SAAS), rng.randint(3, 40), "annual")]
    users = {"smb": rng.randint(5, 20), "mid_market": rng.randint(20, 80), "enterprise": rng.randint(80, 400)}
    basket: Basket = [(601, users[segment], None)]
    if segment == "enterprise":
        basket.append((602, 1, None))
    return basket


# ----- pricing -------------------------------------------------------------------------------------
def deal_discount(rng: random.Random, segment: str, opp_type: str) -> float:
    """The discount rate a deal ends with."""
    if opp_type == "renewal":
        return rng.uniform(0.0, 0.05)
    lo, hi = {"smb": (0.0, 0.08), "mid_market": (0.03, 0.15), "enterprise": (0.08, 0.25)}[segment]
    return rng.uniform(lo, hi)


def price_basket(
    rng: random.Random,
    catalogue: Catalogue,
    rates: RateBook,
    basket: Basket,
    currency: str,
    day: date,
    discount_rate: float,
) -> list[LineItem]:
    """Turn a basket into priced lines in currency at the rates of day, with the deal's discount."""
    items = []
    for code, count, billing in basket:
        product = catalogue.get(code)
        rate = rates.rate(currency, day)
        unit_price = nice_price(float(product.list_price) / rate, currency)
        months = SEAT_MONTHS[billing] if billing else 1
        quantity = Decimal(count * months)
        line_rate = LINE_DISCOUNT_SHARE.get(product.kind, 1.0) * discount_rate
        discount = money(float(quantity * unit_price) * line_rate, currency)
        items.append(
            LineItem(
                product=product,
                quantity=quantity,
                unit_price=unit_price,
                discount=discount,
                unit_cost=line_cost(rng, product, rates, currency, day),
                seats=count if billing else 0,
                billing=billing,
            )
        )
    return items


def line_cost(
    rng: random.Random, product: Product, rates: RateBook, currency: str, day: date
) -> Decimal | None:
    """The line's unit cost in currency (about one line in ten leaves it NULL: the product's applies)."""
    if rng.random() < 0.1:
        return None
    noise = rng.uniform(0.96, 1.04) if product.kind == "hardware" else 1.0
    return money(float(product.unit_cost) * noise / rates.rate(currency, day), currency)


def sellable(catalogue: Catalogue, code: int, moment: datetime) -> int:
    """code, or its successor when the product was discontinued before moment."""
    product = catalogue.get(code)
    if product.sold_until is not None and moment.date() > product.sold_until:
        return {105: 101, 307: 301}.get(code, code)
    return code


def with_legacy_products(
    rng: random.Random, catalogue: Catalogue, basket: Basket, moment: datetime
) -> Basket:
    """Early deals sometimes still sell the products that were discontinued later."""
    out: Basket = []
    for code, count, billing in basket:
        old = {101: 105, 301: 307}.get(code)
        if old is not None and rng.random() < 0.5 and sellable(catalogue, old, moment) == old:
            code = old
        out.append((code, count, billing))
    return out
