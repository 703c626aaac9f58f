"""The damaged-file catalog: real-world damage to raw files, each with what the loader and staging must do.

Two outcomes only (docs/raw_contract.md, "Files"):
  refused   the load fails, naming the file and the cause; nothing is loaded (pipeline exit 5)
  loaded    every record is loaded, or rejected at load with its line number and a reason; repairable
            damage gives the same KPIs as the undamaged data, rejected records the KPIs of the data
            without them

| kind | file | outcome |
|---|---|---|
| stray_quote_at_end | activities.csv | loaded: the last record is rejected (unterminated_quote) |
| unquoted_delimiter | leads.csv | loaded: the record "PT Maju, Tbk" is rejected (too_many_fields) |
| too_few_fields | email_events.csv | loaded: the cut record is rejected (too_few_fields) |
| bom_and_crlf | accounts.csv | loaded, repaired (byte-order mark and CRLF line ends are read as such) |
| renamed_headers | accounts.csv | loaded: `Account Id`, `Created Date`, `IsDeleted`, `Owner Id` mapped |
| utf16_with_bom | contacts.csv | loaded, repaired: decoded from UTF-16 |
| header_only | subscriptions.csv | loaded: 0 records (an empty table) |
| nul_bytes | products.csv | loaded, repaired: NUL becomes U+FFFD |
| extremely_long_field | leads.csv | loaded: a 200,000-character name survives verbatim |
| quoted_newlines_and_quotes | leads.csv | loaded: a quoted field with a newline and doubled quotes |
| blank_lines | sales_reps.csv | loaded: blank lines are counted, not records |
| invalid_utf8 | sales_reps.csv | loaded, repaired: the byte becomes U+FFFD |
| column_map_file | order_lines.csv | loaded: `Kode Baris` mapped by column_map.yml |
| duplicate_extra_headers | order_lines.csv | loaded: two `Catatan` columns kept as extra columns |
| indonesian_numbers_and_dates | opportunities.csv | loaded with raw_table_formats locale id-ID |
| us_dates_and_numbers | sales_targets.csv | loaded with raw_table_formats locale en-US |
| parquet_text_amounts | marketing_spend.parquet | loaded: `Rp 3.635.562,00` text amounts (id-ID) |
| parquet_timestamps | orders.parquet | loaded: TIMESTAMP = Jakarta wall clock, TIMESTAMPTZ = instant |
| naive_csv_timestamps | opportunity_stage_history.csv | loaded: offset-less text is read in raw_timezone |
| gzip | currency_rates.csv.gz | loaded |
| stray_quote_at_start | email_events.csv | refused: the quote swallows the file (lines unaccounted) |
| stray_quote_in_middle | activities.csv | refused: the same from the middle of the file |
| semicolon_delimited | accounts.csv | refused: header has 0 contract columns (hint: semicolons) |
| utf16_without_bom | contacts.csv | refused: header unreadable (hint: UTF-16 without a byte-order mark?) |
| zero_byte | leads.csv | refused: empty file |
| duplicate_contract_header | accounts.csv | refused: two columns read as account_name |
| wrong_table | accounts.csv | refused: a leads export under the accounts name |
| symlink_to_system_file | products.csv -> /etc/passwd | refused: link outside the raw directory |
| dangling_symlink | products.csv -> nowhere | refused: cannot be read |
| parquet_epoch_timestamp | opportunities.parquet | refused: created_at is BIGINT |
| parquet_float_id | accounts.parquet | refused: account_id is DOUBLE |
| truncated_gzip | activities.csv.gz | refused: cannot read |
| unrecognisable_headers | order_lines.csv | refused; loaded with a column map file |
| too_many_rejected_lines | email_events.csv | refused above raw_max_rejected_share (1 %); loaded with 10 % |
| line_over_maximum_size | activities.csv | loaded: a 17 MiB record is rejected (line_too_long) |
| id_formats_without_option | (dbt unit test) | quarantined, unparseable_*, the detail names the option |
| us_dates_without_option | (dbt unit test) | quarantined unparseable_timestamp |
| month_end_naive_timestamp | (dbt unit test) | 2025-01-31 20:00: January in Asia/Jakarta, February in UTC |

The last three are dbt unit tests in models/staging/crm/base/_crm__base_parsing.yml (they run in make
test's dbt build).
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

TABLE_FORMATS = {
    "opportunities": {"locale": "id-ID"},
    "sales_targets": {"locale": "en-US"},
    "marketing_spend": {"locale": "id-ID"},
}
LONG_NAME = "PT " + "Panjang " * 25_000


@dataclass
class Expected:
    """What the loader must report for a table of the damaged set."""

    rejected_lines: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)


def read_rows(raw_dir: Path, table: str) -> tuple[list[str], list[list[str]]]:
    with (raw_dir / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def csv_text(header: list[str], rows: list[list[str]], newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text(csv_text(header, rows), encoding="utf-8", newline="")


def id_number(text: str) -> str:
    """1500000.00 -> 1.500.000,00"""
    whole, _, fraction = f"{Decimal(text):.2f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + fraction


def id_datetime(text: str) -> str:
    """2024-09-04 08:36:56+07:00 -> 04/09/2024 08:36:56 (Jakarta wall clock, no offset)"""
    if not text:
        return text
    moment = datetime.fromisoformat(text)
    return moment.strftime("%d/%m/%Y %H:%M:%S") if len(text) > 10 else moment.strftime("%d/%m/%Y")


def naive_local(text: str) -> str:
    """2024-09-04 08:36:56+07:00 -> 2024-09-04 08:36:56"""
    return text[:19] if text else text


def build_damaged(clean: Path, damaged: Path, reference: Path) -> dict[str, Expected]:
    """Write the damaged data set and its reference (the same data, repaired or without rejected records)."""
    for out in (damaged, reference):
        shutil.copytree(clean, out)
    expected: dict[str, Expected] = {}

    # activities: a stray quote opens in the last record and never closes
    header, rows = read_rows(clean, "activities")
    last = rows[-1][:]
    last[header.index("outcome")] = '"' + last[header.index("outcome")]
    (damaged / "activities.csv").write_text(
        csv_text(header, rows[:-1]) + ",".join(last) + "\n", encoding="utf-8", newline=""
    )
    write(reference / "activities.csv", header, rows[:-1])
    expected["activities"] = Expected([len(rows) + 1], ["unterminated_quote"])

    # leads: an unquoted comma in a name; a 200,000-character name; a quoted newline with quotes
    header, rows = read_rows(clean, "leads")
    name = header.index("company_name")
    rows[3][name] = LONG_NAME
    rows[4][name] = 'PT "Kutip", baris\ndua'
    bad = rows[100][:]
    bad[name] = "PT Maju, Tbk"
    kept = rows[:100] + rows[101:]
    text = csv_text(header, rows[:100])
    bad_line = text.count("\n") + 1
    text += ",".join(bad) + "\n" + csv_text(header, rows[101:]).split("\n", 1)[1]
    (damaged / "leads.csv").write_text(text, encoding="utf-8", newline="")
    write(reference / "leads.csv", header, kept)
    expected["leads"] = Expected([bad_line], ["too_many_fields"])

    # email_events: one record cut after its third field
    header, rows = read_rows(clean, "email_events")
    text = csv_text(header, rows[:200]) + ",".join(rows[200][:3]) + "\n"
    text += csv_text(header, rows[201:]).split("\n", 1)[1]
    (damaged / "email_events.csv").write_text(text, encoding="utf-8", newline="")
    write(reference / "email_events.csv", header, rows[:200] + rows[201:])
    expected["email_events"] = Expected([202], ["too_few_fields"])

    # accounts: CRM-style headers, byte-order mark, CRLF line ends
    header, rows = read_rows(clean, "accounts")
    renamed = {
        "account_id": "Account Id",
        "account_name": "Account Name",
        "owner_rep_id": "Owner Id",
        "country_code": "Country Code",
        "created_at": "Created Date",
        "updated_at": "Last Modified Date",
        "is_deleted": "IsDeleted",
    }
    crm_header = [renamed.get(h, h) for h in header]
    (damaged / "accounts.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(crm_header, rows, "\r\n").encode())
    expected["accounts"] = Expected(mapped={v: k for k, v in renamed.items()})

    # contacts: UTF-16 with a byte-order mark (Excel's "Unicode text")
    (damaged / "contacts.csv").write_bytes(
        (clean / "contacts.csv").read_text(encoding="utf-8").encode("utf-16")
    )
    expected["contacts"] = Expected(repairs=["utf16"])

    # subscriptions: a header and nothing else (in both sets)
    header, _ = read_rows(clean, "subscriptions")
    write(damaged / "subscriptions.csv", header, [])
    write(reference / "subscriptions.csv", header, [])
    expected["subscriptions"] = Expected()

    # products: a NUL byte inside a name
    header, rows = read_rows(clean, "products")
    nul, replaced = [r[:] for r in rows], [r[:] for r in rows]
    nul[0][header.index("product_name")] = "Nusantara\x00ERP"
    replaced[0][header.index("product_name")] = "Nusantara\ufffdERP"
    write(damaged / "products.csv", header, nul)
    write(reference / "products.csv", header, replaced)
    expected["products"] = Expected(repairs=["nul_bytes"])

    # sales_reps: blank lines, and a Latin-1 byte in a name
    header, rows = read_rows(clean, "sales_reps")
    full_name = header.index("full_name")
    rows[2][full_name] = "Ren@@E9@@ Sinaga"
    text = csv_text(header, rows[:3]) + "\n\n" + csv_text(header, rows[3:]).split("\n", 1)[1] + "\n"
    (damaged / "sales_reps.csv").write_bytes(text.encode().replace(b"@@E9@@", b"\xe9"))
    rows[2][full_name] = "Ren\ufffd Sinaga"
    write(reference / "sales_reps.csv", header, rows)
    expected["sales_reps"] = Expected(repairs=["invalid_utf8"])

    # order_lines: a header the column map file explains, two extra columns that read as one name
    header, rows = read_rows(clean, "order_lines")
    mapped_header = ["Kode Baris" if h == "order_line_id" else h for h in header] + ["Catatan", "catatan"]
    write(damaged / "order_lines.csv", mapped_header, [[*r, "satu", "dua"] for r in rows])
    (damaged / "column_map.yml").write_text("order_lines:\n  Kode Baris: order_line_id\n", encoding="utf-8")
    expected["order_lines"] = Expected(mapped={"Kode Baris": "order_line_id"})

    # opportunities: an Indonesian export (1.500.000,00, 31/12/2025, Jakarta wall-clock times)
    header, rows = read_rows(clean, "opportunities")
    for row in rows:
        for i, column in enumerate(header):
            if column == "amount" and row[i]:
                row[i] = id_number(row[i])
            elif column.endswith(("_at", "_date")):
                row[i] = id_datetime(row[i])
    write(damaged / "opportunities.csv", header, rows)

    # sales_targets: a US tool (M/D/YYYY, 1,500,000.00)
    header, rows = read_rows(clean, "sales_targets")
    for row in rows:
        for i, column in enumerate(header):
            if column in ("period_start", "period_end") and row[i]:
                day = datetime.fromisoformat(row[i])
                row[i] = f"{day.month}/{day.day}/{day.year}"
            elif column == "target_value" and row[i]:
                row[i] = f"{Decimal(row[i]):,.2f}"
    write(damaged / "sales_targets.csv", header, rows)

    # marketing_spend: Parquet, a typed DATE, amounts as text with their currency ("Rp 3.635.562,00")
    header, rows = read_rows(clean, "marketing_spend")
    (damaged / "marketing_spend.csv").unlink()
    amount, code = header.index("amount"), header.index("currency_code")
    for row in rows:
        row[amount] = ("Rp " if row[code] == "IDR" else row[code] + " ") + id_number(row[amount])
    with duckdb.connect() as con:
        con.execute(
            "create table t (spend_date date, channel varchar, campaign_id varchar, amount varchar, "
            "currency_code varchar)"
        )
        con.executemany("insert into t values (?, ?, ?, ?, ?)", [[v or None for v in r] for r in rows])
        con.execute(f"copy t to '{damaged / 'marketing_spend.parquet'}' (format parquet)")

        # orders: Parquet with naive TIMESTAMP (Jakarta wall clock) and TIMESTAMPTZ (instants)
        header, rows = read_rows(clean, "orders")
        (damaged / "orders.csv").unlink()
        con.execute("set TimeZone = 'UTC'")
        naive = ("ordered_at", "invoiced_at")
        kinds = {
            c: "timestamp" if c in naive else "timestamptz" if c.endswith("_at") else "varchar"
            for c in header
        }
        columns = ", ".join(f"{c} {t}" for c, t in kinds.items())
        con.execute(f"create table o ({columns})")
        values = [[naive_local(v) if c in naive else v for c, v in zip(header, r, strict=True)] for r in rows]
        con.executemany(
            f"insert into o values ({', '.join(['?'] * len(header))})",
            [[v or None for v in r] for r in values],
        )
        con.execute(f"copy o to '{damaged / 'orders.parquet'}' (format parquet)")
    expected["orders"] = Expected()

    # opportunity_stage_history: offset-less timestamps (read in raw_timezone, Asia/Jakarta)
    header, rows = read_rows(clean, "opportunity_stage_history")
    entered = header.index("entered_at")
    for row in rows:
        row[entered] = naive_local(row[entered])
    write(damaged / "opportunity_stage_history.csv", header, rows)

    # currency_rates: gzipped
    data = (clean / "currency_rates.csv").read_bytes()
    (damaged / "currency_rates.csv").unlink()
    (damaged / "currency_rates.csv.gz").write_bytes(gzip.compress(data, mtime=0))
    return expected
