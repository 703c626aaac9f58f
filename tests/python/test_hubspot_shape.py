"""The HubSpot renderer (scripts/sampledata/shapes/hubspot.py): the contract sample written as HubSpot objects
the way Fivetran lands them. Deterministic, one landed row per contract row where the mapping is one-to-one,
exactly the columns of the landed shape, and the conversions the adapter reverses (docs/crm_hubspot.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scripts.contract import load_contract, load_landed_shape
from scripts.rawfiles.headers import match_header
from scripts.rawfiles.scan import read_bytes, scan_csv
from scripts.sampledata.shapes import hubspot

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_ROOT / "seeds" / "sample_crm"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    table = load_contract()[path.stem]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=table.column_names)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in table.column_names})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("hubspot_shape")
    return out, hubspot.render(SAMPLE, out)


def test_rendering_is_deterministic(rendered: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = rendered
    again = hubspot.render(SAMPLE, tmp_path)
    assert again == counts
    for name in counts:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_one_landed_row_per_contract_row(rendered: tuple[Path, dict[str, int]]) -> None:
    out, counts = rendered

    def records(table: str) -> int:
        return scan_csv(read_bytes(SAMPLE / f"{table}.csv")).records

    assert counts["owner.csv"] == records("sales_reps")
    assert counts["company.csv"] == records("accounts")
    assert counts["contact.csv"] == records("contacts") + records("leads")
    assert counts["deal.csv"] == records("opportunities")
    assert counts["deal_stage.csv"] == records("opportunity_stage_history")
    assert counts["engagement.csv"] == records("activities")
    # the returned counts are the records of the written files
    for name, count in counts.items():
        assert scan_csv(read_bytes(out / name)).records == count, name


def test_files_have_exactly_the_landed_columns_or_are_copied_unchanged(
    rendered: tuple[Path, dict[str, int]],
) -> None:
    out, counts = rendered
    shape = load_landed_shape("hubspot")
    for name in counts:
        stem = name.removesuffix(".csv")
        with (out / name).open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        if stem in shape:
            assert header == [c.name for c in shape[stem].columns], name
        else:
            assert stem in load_contract() and stem not in hubspot.PROVIDED
            assert (out / name).read_bytes() == (SAMPLE / name).read_bytes()
    # every provided contract table was rendered, not copied
    assert not any((out / f"{t}.csv").exists() for t in hubspot.PROVIDED)


def test_conversions_the_adapter_reverses(tmp_path: Path) -> None:
    src = tmp_path / "contract"
    src.mkdir()
    _write(
        src / "opportunities.csv",
        [
            {"opportunity_id": "O1", "stage_name": "Prospecting", "opportunity_type": "new_business"},
            {"opportunity_id": "O2", "stage_name": "Menang", "opportunity_type": "renewal"},
            {"opportunity_id": "O3", "stage_name": "   ", "opportunity_type": "upsell", "account_id": "A1"},
        ],
    )
    _write(
        src / "activities.csv",
        [
            {"activity_id": "X1", "activity_type": "call", "direction": "inbound", "duration_seconds": "34"},
            {
                "activity_id": "X2",
                "activity_type": "call",
                "direction": "outbound",
                "duration_seconds": "TBD",
            },
            {
                "activity_id": "X3",
                "activity_type": "demo",
                "occurred_at": "2025-01-02 09:00:00+07:00",
                "duration_seconds": "1800",
                "is_deleted": "true",
            },
        ],
    )
    _write(
        src / "leads.csv", [{"lead_id": "L1", "status": "converted"}, {"lead_id": "L2", "status": "working"}]
    )
    out = tmp_path / "out"
    hubspot.render(src, out)

    deals = {r["deal_id"]: r for r in _rows(out / "deal.csv")}
    # default HubSpot id for a known label, a numbered custom stage for the rest, a blank label as it is
    assert deals["O1"]["deal_pipeline_stage_id"] == "appointmentscheduled"
    assert deals["O2"]["deal_pipeline_stage_id"] == "1000001"
    assert deals["O3"]["deal_pipeline_stage_id"] == "   "
    assert [r["label"] for r in _rows(out / "deal_pipeline_stage.csv")] == ["Menang", "Prospecting"]
    assert [deals[o]["property_dealtype"] for o in ("O1", "O2", "O3")] == [
        "newbusiness",
        "renewal",
        "existingbusiness",
    ]
    assert _rows(out / "deal_company.csv") == [{"deal_id": "O3", "company_id": "A1", "_fivetran_synced": ""}]

    calls = {r["engagement_id"]: r for r in _rows(out / "engagement_call.csv")}
    assert calls["X1"]["property_hs_call_duration"] == "34000"  # milliseconds
    assert calls["X1"]["property_hs_call_direction"] == "INBOUND"
    assert calls["X2"]["property_hs_call_duration"] == "TBD"  # not a number: as written
    (meeting,) = _rows(out / "engagement_meeting.csv")
    assert meeting["property_hs_activity_type"] == "Demo"
    assert meeting["property_hs_meeting_end_time"] == "2025-01-02 09:30:00+07:00"  # 09:00 + 1800 s
    engagements = {r["id"]: r for r in _rows(out / "engagement.csv")}
    assert (engagements["X3"]["_fivetran_deleted"], engagements["X3"]["is_deleted"]) == ("true", "")

    contacts = {r["id"]: r for r in _rows(out / "contact.csv")}
    assert (contacts["L1"]["property_lifecyclestage"], contacts["L1"]["property_hs_lead_status"]) == (
        "salesqualifiedlead",
        "OPEN_DEAL",
    )
    assert (contacts["L2"]["property_lifecyclestage"], contacts["L2"]["property_hs_lead_status"]) == (
        "lead",
        "IN_PROGRESS",
    )


def test_fivetran_system_headers_load_under_their_own_names() -> None:
    """A header written exactly as a landed column keeps its name: normalising `_fivetran_synced` would drop
    the underscore and load it as an extra column `fivetran_synced`, leaving `_fivetran_synced` empty."""
    table = load_landed_shape("hubspot")["engagement"]
    header = [c.name for c in table.columns]
    match = match_header("engagement.csv", table, header, {})
    assert match.names == header
    assert match.missing == []
