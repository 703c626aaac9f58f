"""Labels in English and Bahasa Indonesia, and locale-correct formatting of money, numbers and dates.

Money is shown in the reporting currency with the currency's own symbol (Rp for IDR, $ for USD, ...) and
the language's separators and compact units: `Rp 1.2B` / `Rp 12.3M` in English, `Rp 1,2 M` (miliar) /
`Rp 12,3 jt` (juta) in Indonesian (CLDR's compact forms, through Babel). Dates are calendar dates of the
reporting time zone; timestamps are converted to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.core import get_global

LANGUAGES = ("en", "id")
BABEL_LOCALE = {"en": "en", "id": "id_ID"}

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Sales dashboard", "id": "Dasbor penjualan"},
    "as_of": {"en": "Data as of", "id": "Data per"},
    "run": {"en": "Run", "id": "Proses"},
    "published": {"en": "Published", "id": "Diterbitkan"},
    "other_language": {"en": "Bahasa Indonesia", "id": "English"},
    "section_scorecard": {"en": "Scorecard", "id": "Kartu skor"},
    "section_revenue": {"en": "Revenue and growth", "id": "Pendapatan dan pertumbuhan"},
    "section_pipeline": {"en": "Pipeline and deals", "id": "Pipeline dan transaksi"},
    "section_leads": {"en": "Leads", "id": "Prospek"},
    "section_reps": {"en": "Rep leaderboard", "id": "Peringkat tenaga penjual"},
    "section_targets": {"en": "Targets", "id": "Target"},
    "section_customers": {"en": "Customers", "id": "Pelanggan"},
    "section_health": {"en": "Data health", "id": "Kesehatan data"},
    "scorecard_note": {
        "en": "{month}, month to date; change against {previous} (full month); rates change in points",
        "id": "{month}, bulan berjalan; perubahan terhadap {previous} (sebulan penuh); "
        "rasio berubah dalam poin",
    },
    "target": {"en": "Target", "id": "Target"},
    "attainment": {"en": "Attainment", "id": "Pencapaian"},
    "pace": {"en": "Pace", "id": "Laju"},
    "no_target": {"en": "No target", "id": "Tanpa target"},
    "status_on_track": {"en": "On track", "id": "Sesuai target"},
    "status_at_risk": {"en": "At risk", "id": "Berisiko"},
    "status_off_track": {"en": "Off track", "id": "Di bawah target"},
    "status_no_target": {"en": "No target", "id": "Tanpa target"},
    "points": {"en": "pts", "id": "poin"},
    "days": {"en": "days", "id": "hari"},
    "minutes": {"en": "min", "id": "menit"},
    "vs": {"en": "vs", "id": "vs"},
    "no_data": {"en": "No data", "id": "Tidak ada data"},
    "missing_view": {
        "en": "the serving file has no {what}",
        "id": "file serving tidak memiliki {what}",
    },
    "missing_inputs_absent": {
        "en": "it needs the raw table(s) {tables}, absent from this load",
        "id": "memerlukan tabel mentah {tables}, yang tidak ada dalam muatan ini",
    },
    "missing_inputs_empty": {
        "en": "it needs the raw table(s) {tables}, which have no usable rows",
        "id": "memerlukan tabel mentah {tables}, yang tidak memiliki baris yang dapat dipakai",
    },
    "missing_rows": {
        "en": "{view} has no rows for this period (inputs: {tables})",
        "id": "{view} tidak memiliki baris untuk periode ini (masukan: {tables})",
    },
    # panels
    "revenue_by_month": {"en": "Revenue by month", "id": "Pendapatan per bulan"},
    "growth": {
        "en": "Revenue growth, month on month and year on year",
        "id": "Pertumbuhan pendapatan, bulanan dan tahunan",
    },
    "bookings_split": {"en": "Bookings: new, upsell, renewal", "id": "Pemesanan: baru, upsell, perpanjangan"},
    "top_products": {"en": "Top products, last 12 months", "id": "Produk teratas, 12 bulan terakhir"},
    "pipeline_by_stage": {
        "en": "Open pipeline by stage at month end",
        "id": "Pipeline terbuka per tahap di akhir bulan",
    },
    "weighted_pipeline": {
        "en": "Weighted pipeline by stage at month end",
        "id": "Pipeline tertimbang per tahap di akhir bulan",
    },
    "win_rate": {
        "en": "Win rate, by count and by amount",
        "id": "Rasio kemenangan, menurut jumlah dan nilai",
    },
    "sales_cycle": {
        "en": "Average sales cycle of won deals (days)",
        "id": "Rata-rata siklus penjualan transaksi menang (hari)",
    },
    "lead_funnel": {
        "en": "Lead funnel by channel, last 12 complete months",
        "id": "Corong prospek per kanal, 12 bulan penuh terakhir",
    },
    "response_time": {
        "en": "Average response time to new leads (minutes)",
        "id": "Rata-rata waktu respons prospek baru (menit)",
    },
    "sla_rate": {"en": "Leads answered within the SLA", "id": "Prospek dijawab dalam SLA"},
    "leaderboard": {"en": "Revenue by rep, {month}", "id": "Pendapatan per tenaga penjual, {month}"},
    "team_targets": {"en": "Team targets in progress", "id": "Target tim yang sedang berjalan"},
    "furthest_behind": {
        "en": "the {shown} of {total} furthest behind pace",
        "id": "{shown} dari {total} yang paling tertinggal dari laju",
    },
    "rep_targets": {
        "en": "Rep targets in progress ({metric})",
        "id": "Target tenaga penjual yang sedang berjalan ({metric})",
    },
    "retention": {
        "en": "Retention, churn and net revenue retention",
        "id": "Retensi, churn, dan retensi pendapatan bersih",
    },
    "cac_clv": {
        "en": "CAC and CLV by channel, last 12 complete months",
        "id": "CAC dan CLV per kanal, 12 bulan penuh terakhir",
    },
    "ltv_cac": {
        "en": "LTV:CAC by channel (3 or more is healthy)",
        "id": "LTV:CAC per kanal (3 atau lebih sehat)",
    },
    "top_customers": {"en": "Top customers, last 12 months", "id": "Pelanggan teratas, 12 bulan terakhir"},
    "quarantine": {
        "en": "Rows quarantined and rejected by table",
        "id": "Baris dikarantina dan ditolak per tabel",
    },
    # series and columns
    "revenue": {"en": "Revenue", "id": "Pendapatan"},
    "mom_growth_rate": {"en": "Month on month", "id": "Bulan ke bulan"},
    "yoy_growth_rate": {"en": "Year on year", "id": "Tahun ke tahun"},
    "new_business": {"en": "New business", "id": "Bisnis baru"},
    "upsell": {"en": "Upsell", "id": "Upsell"},
    "renewal": {"en": "Renewal", "id": "Perpanjangan"},
    "win_rate_count": {"en": "By count", "id": "Menurut jumlah"},
    "win_rate_amount": {"en": "By amount", "id": "Menurut nilai"},
    "leads": {"en": "Leads", "id": "Prospek"},
    "leads_to_opportunity": {"en": "Opportunities", "id": "Peluang"},
    "leads_to_customer": {"en": "Customers", "id": "Pelanggan"},
    "retention_rate": {"en": "Retention", "id": "Retensi"},
    "churn_rate": {"en": "Churn", "id": "Churn"},
    "net_revenue_retention": {"en": "Net revenue retention", "id": "Retensi pendapatan bersih"},
    "cac": {"en": "CAC", "id": "CAC"},
    "clv": {"en": "Predicted CLV", "id": "Prediksi CLV"},
    "quarantined": {"en": "Quarantined", "id": "Dikarantina"},
    "rejected": {"en": "Rejected at load", "id": "Ditolak saat dimuat"},
    "month": {"en": "Month", "id": "Bulan"},
    "rank": {"en": "Rank", "id": "Peringkat"},
    "rank_change": {"en": "Change", "id": "Perubahan"},
    "rep": {"en": "Rep", "id": "Tenaga penjual"},
    "team": {"en": "Team", "id": "Tim"},
    "deals_won": {"en": "Deals won", "id": "Transaksi menang"},
    "new_in_ranking": {"en": "new", "id": "baru"},
    "table": {"en": "Table", "id": "Tabel"},
    "status": {"en": "Status", "id": "Status"},
    "age_hours": {"en": "Age (hours)", "id": "Usia (jam)"},
    "stale_sources": {"en": "Source freshness", "id": "Kesegaran sumber"},
    "stale_none": {"en": "No source is stale.", "id": "Tidak ada sumber yang basi."},
    "freshness_unknown": {
        "en": "Source freshness was not recorded for this run (no run record in the state folder).",
        "id": "Kesegaran sumber tidak tercatat untuk proses ini (tidak ada catatan proses di folder state).",
    },
    "unmapped_labels": {"en": "Unmapped labels", "id": "Label yang tidak terpetakan"},
    "mode": {"en": "Source", "id": "Sumber"},
    "tables_served": {"en": "Tables served", "id": "Tabel yang disajikan"},
    "expected_to_date": {"en": "expected to date", "id": "diharapkan hingga kini"},
    "pace_marker": {
        "en": "Black tick: where the pace calls for today.",
        "id": "Garis hitam: posisi yang diharapkan hari ini.",
    },
    "metric_revenue": {"en": "revenue", "id": "pendapatan"},
    "metric_bookings": {"en": "bookings", "id": "pemesanan"},
    "metric_units": {"en": "units", "id": "unit"},
    "metric_new_accounts": {"en": "new accounts", "id": "akun baru"},
    "metric_deals_won": {"en": "deals won", "id": "transaksi menang"},
    # scorecard KPIs (kpi_scorecard.kpi_name)
    "kpi_revenue": {"en": "Revenue", "id": "Pendapatan"},
    "kpi_revenue_mom_growth": {"en": "Revenue growth (MoM)", "id": "Pertumbuhan pendapatan (MoM)"},
    "kpi_bookings": {"en": "Bookings", "id": "Pemesanan"},
    "kpi_gross_margin_rate": {"en": "Gross margin", "id": "Margin kotor"},
    "kpi_weighted_pipeline": {"en": "Weighted pipeline", "id": "Pipeline tertimbang"},
    "kpi_win_rate": {"en": "Win rate", "id": "Rasio kemenangan"},
    "kpi_avg_sales_cycle_days": {"en": "Sales cycle", "id": "Siklus penjualan"},
    "kpi_lead_conversion_rate": {"en": "Lead conversion", "id": "Konversi prospek"},
    "kpi_avg_response_minutes": {"en": "Response time", "id": "Waktu respons"},
    "kpi_email_open_rate": {"en": "Email open rate", "id": "Rasio email dibuka"},
    "kpi_avg_purchase_value": {"en": "Average purchase", "id": "Rata-rata pembelian"},
    "kpi_new_customers": {"en": "New customers", "id": "Pelanggan baru"},
    "kpi_customer_churn_rate": {"en": "Customer churn", "id": "Churn pelanggan"},
    "kpi_net_revenue_retention": {"en": "Net revenue retention", "id": "Retensi pendapatan bersih"},
    "kpi_cac": {"en": "CAC", "id": "CAC"},
    "kpi_deals_won": {"en": "Deals won", "id": "Transaksi menang"},
}


def label(key: str, lang: str, **values: object) -> str:
    """The label in `lang` (English when a key has no translation), with {placeholders} filled in."""
    texts = LABELS.get(key)
    text = (texts.get(lang) or texts["en"]) if texts else key.replace("_", " ")
    return text.format(**values) if values else text


@cache
def currency_symbol(code: str) -> str:
    """The symbol a currency has in its home territory (IDR -> Rp, USD -> $, SGD -> $), else its code."""
    for territory, currencies in get_global("territory_currencies").items():
        current = [c for c in currencies if c[2] is None and c[3]]  # (code, start, end, tender)
        if current and current[0][0] == code:
            try:
                home = Locale.parse(f"und_{territory}")
            except (ValueError, TypeError):
                continue
            symbol = numbers.get_currency_symbol(code, locale=home)
            if symbol and symbol != code:
                return symbol
    return code


@dataclass(frozen=True)
class Formatter:
    """Formats values for one language, reporting currency and reporting time zone."""

    lang: str
    currency: str
    zone: dt.tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def locale(self) -> str:
        return BABEL_LOCALE[self.lang]

    @property
    def symbol(self) -> str:
        return currency_symbol(self.currency)

    def money(self, value: float | None, compact: bool = True) -> str:
        if value is None:
            return "–"
        sign = "-" if value < 0 else ""
        amount = abs(float(value))
        if compact and amount >= 1000:
            text = numbers.format_compact_decimal(amount, locale=self.locale, fraction_digits=1)
        else:
            text = numbers.format_decimal(round(amount), locale=self.locale)
        return f"{sign}{self.symbol}\u00a0{text}"

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return numbers.format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        return numbers.format_percent(value, format="#,##0." + "0" * digits + "%", locale=self.locale)

    def signed_percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        return ("+" if value > 0 else "") + self.percent(value)

    def points(self, value: float | None) -> str:
        """A change of a rate in percentage points: 0.412 -> 0.440 is '+2.8 pts'."""
        if value is None:
            return "–"
        text = self.number(value * 100, 1)
        return f"{'+' if value > 0 else ''}{text}\u00a0{label('points', self.lang)}"

    def value(self, value: float | None, unit: str) -> str:
        """A KPI value in its unit (kpi_scorecard.value_unit)."""
        if unit == "currency":
            return self.money(value)
        if unit == "ratio":
            return self.percent(value)
        if unit == "days":
            return "–" if value is None else f"{self.number(value, 1)}\u00a0{label('days', self.lang)}"
        if unit == "minutes":
            return "–" if value is None else f"{self.number(value, 0)}\u00a0{label('minutes', self.lang)}"
        return self.number(value)

    def date(self, value: dt.date | None) -> str:
        return "–" if value is None else dates.format_date(value, "d MMM yyyy", locale=self.locale)

    def month(self, value: dt.date | None) -> str:
        return "–" if value is None else dates.format_date(value, "MMM yyyy", locale=self.locale)

    def timestamp(self, value: dt.datetime | None) -> str:
        """A UTC timestamp (naive = UTC, as in the serving file) in the reporting time zone."""
        if value is None:
            return "–"
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        local = moment.astimezone(self.zone)
        text = dates.format_datetime(local, "d MMM yyyy, HH:mm", tzinfo=self.zone, locale=self.locale)
        return f"{text} {local.tzname() or ''}".strip()

    def vega_locale(self) -> dict[str, Any]:
        """Vega-Lite `config.locale`: the language's separators, currency and month and day names, so
        axes read 1.234,5 and 'Mei' in Indonesian."""
        symbols = Locale.parse(self.locale).number_symbols["latn"]
        months = dates.get_month_names("wide", locale=self.locale)
        short_months = dates.get_month_names("abbreviated", locale=self.locale)
        days = dates.get_day_names("wide", locale=self.locale)
        short_days = dates.get_day_names("abbreviated", locale=self.locale)
        sunday_first = [6, 0, 1, 2, 3, 4, 5]  # babel: 0 = Monday; d3: Sunday first
        return {
            "number": {
                "decimal": symbols["decimal"],
                "thousands": symbols["group"],
                "grouping": [3],
                "currency": [self.symbol + "\u00a0", ""],
            },
            "time": {
                "dateTime": "%x %X",
                "date": "%d/%m/%Y" if self.lang == "id" else "%m/%d/%Y",
                "time": "%H:%M:%S",
                "periods": ["AM", "PM"],
                "days": [days[i] for i in sunday_first],
                "shortDays": [short_days[i] for i in sunday_first],
                "months": [months[i] for i in range(1, 13)],
                "shortMonths": [short_months[i].rstrip(".") for i in range(1, 13)],
            },
        }

    def compact_axis_expr(self) -> str:
        """A Vega expression labelling money axes compactly in this language: 'Rp 1.2B' / 'Rp 1,2 M'."""
        units = (
            [(1e12, " T"), (1e9, " M"), (1e6, " jt"), (1e3, " rb")]
            if self.lang == "id"
            else [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        )
        expr = "format(abs(datum.value), ',.0f')"
        for size, suffix in reversed(units):
            expr = (
                f"abs(datum.value) >= {size:.0f} ? format(abs(datum.value) / {size:.0f}, ',.3~r') + "
                f"'{suffix}' : ({expr})"
            )
        return f"(datum.value < 0 ? '-' : '') + '{self.symbol}\u00a0' + ({expr})"
