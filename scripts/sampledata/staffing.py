"""Sales reps: teams per region, roles, managers, people who join and leave, and who gets which work."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.entities import Rep
from scripts.sampledata.names import person_name
from scripts.sampledata.reference import (
    COMPANY_DOMAIN,
    FOREIGN_REGION,
    FOREIGN_TEAM,
    TEAM_MANAGER_FALLBACK,
    TEAMS,
)

HEAD_TEAM = "National Sales"
BDR_TEAMS = ("Jakarta Commercial", "Jawa Timur", "Jawa Barat", "Sumatera")
TEAM_REGION = MappingProxyType({t.name: t.region for t in TEAMS} | {HEAD_TEAM: "Jabodetabek"})


@dataclass(frozen=True)
class Staffing:
    """All reps, with the queries the generator needs (who is employed, who takes a new account)."""

    reps: tuple[Rep, ...]

    def active(self, day: date, roles: tuple[str, ...], teams: tuple[str, ...] | None = None) -> list[Rep]:
        """Reps in roles (and teams) employed on day."""
        return [
            r
            for r in self.reps
            if r.role in roles and r.active_on(day) and (teams is None or r.team in teams)
        ]

    @staticmethod
    def teams_for(region: str, segment: str) -> tuple[str, ...]:
        """The account-executive teams that cover an account's region and segment."""
        if region == FOREIGN_REGION:
            return (FOREIGN_TEAM,)
        if region == "Jabodetabek":
            return ("Jakarta Enterprise",) if segment == "enterprise" else ("Jakarta Commercial",)
        return tuple(t.name for t in TEAMS if t.region == region and not t.inside_sales)

    def pick_ae(self, rng: random.Random, region: str, segment: str, day: date) -> Rep:
        """An account executive employed on day who covers region and segment (with fallbacks)."""
        teams = self.teams_for(region, segment)
        for candidates in (
            self.active(day, ("account_executive",), teams),
            self.active(day, ("account_executive",), tuple(n for n, r in TEAM_REGION.items() if r == region)),
            self.active(day, ("manager",), teams),
            self.active(day, ("account_executive",), ("Jakarta Commercial", "Jakarta Enterprise")),
            self.active(day, ("account_executive", "manager")),
        ):
            if candidates:
                return rng.choice(candidates)
        return self.reps[0]

    def pick_lead_owner(self, rng: random.Random, role: str, region: str, segment: str, day: date) -> Rep:
        """Who works a new lead: SDRs take inbound, BDRs cold outreach, AEs referrals and partners."""
        if role == "sdr":
            candidates = self.active(day, ("sdr",))
        elif role == "bdr":
            local = self.active(day, ("bdr",), self.teams_for(region, segment))
            candidates = local or self.active(day, ("bdr",))
        else:
            candidates = []
        return rng.choice(candidates) if candidates else self.pick_ae(rng, region, segment, day)

    def manager_of(self, rep: Rep, day: date) -> Rep | None:
        """rep's manager if employed on day, else the head of sales."""
        if rep.manager is not None and rep.manager.active_on(day):
            return rep.manager
        heads = [r for r in self.reps if r.role == "manager" and r.manager is None and r is not rep]
        return heads[0] if heads else None


@dataclass
class _Seat:
    team: str
    role: str
    hired: date
    left: date | None = None


def _allocate(n: int, weights: list[tuple[str, float]]) -> list[str]:
    """n slots over names: one each first (while possible), the rest by largest remainder of weight."""
    names = [name for name, _ in weights]
    out = names[: min(n, len(names))]
    rest = n - len(out)
    total = sum(w for _, w in weights)
    quotas = [(rest * w / total, name) for name, w in weights]
    floors = {name: int(q) for q, name in quotas}
    left = rest - sum(floors.values())
    by_remainder = sorted(quotas, key=lambda qn: (-(qn[0] - int(qn[0])), qn[1]))
    for _, name in by_remainder[:left]:
        floors[name] += 1
    for name in names:
        out.extend([name] * floors[name])
    return out


def _plan_seats(config: GeneratorConfig, calendar: Calendar, rng: random.Random) -> list[_Seat]:
    """Positions and the people in them over the period: initial staff, growth hires, leavers, refills."""
    start, end = calendar.start, calendar.end
    period = (end - start).days
    manager_teams = [t.name for t in TEAMS if t.has_manager]
    seats = [_Seat(HEAD_TEAM, "manager", start - timedelta(days=rng.randint(5 * 365, 9 * 365)))]
    seats += [
        _Seat(team, "manager", start - timedelta(days=rng.randint(2 * 365, 7 * 365)))
        for team in manager_teams
    ]
    rest = config.reps - len(seats)
    leavers = max(1, round(rest * 0.12)) if period >= 150 else 0
    refills = max(1, leavers - 1) if leavers else 0
    positions = rest - refills
    n_sdr = max(1, round(positions * 0.16))
    n_bdr = max(1, round(positions * 0.09))
    ae_teams = _allocate(positions - n_sdr - n_bdr, [(t.name, t.ae_weight) for t in TEAMS if t.ae_weight > 0])
    staff = [_Seat(team, "account_executive", start) for team in ae_teams]
    staff += [_Seat("Inside Sales", "sdr", start) for _ in range(n_sdr)]
    staff += [_Seat(BDR_TEAMS[i % len(BDR_TEAMS)], "bdr", start) for i in range(n_bdr)]
    first_of_team = {s.team: i for i, s in reversed(list(enumerate(staff)))}
    growable = [i for i in range(len(staff)) if first_of_team[staff[i].team] != i and staff[i].role != "bdr"]
    growth = set(rng.sample(growable, min(len(growable), round(positions * 0.15))))
    for i, seat in enumerate(staff):
        if i in growth:
            seat.hired = start + timedelta(days=int(period * rng.uniform(0.08, 0.75)))
        else:
            seat.hired = start - timedelta(days=int(math.exp(rng.uniform(math.log(30), math.log(5 * 365)))))
    initial = [i for i in range(len(staff)) if i not in growth]
    rng.shuffle(initial)
    picked: list[int] = []
    for i in initial:  # leavers from different teams where possible
        if len(picked) < leavers and all(staff[j].team != staff[i].team for j in picked):
            picked.append(i)
    picked += [i for i in initial if i not in picked][: leavers - len(picked)]
    refill_seats = []
    for n, i in enumerate(sorted(picked)):
        seat = staff[i]
        seat.left = start + timedelta(days=int(period * rng.uniform(0.15, 0.85)))
        if n < refills:
            hired = min(seat.left + timedelta(days=rng.randint(20, 75)), end - timedelta(days=3))
            refill_seats.append(_Seat(seat.team, seat.role, hired))
    return seats + staff + refill_seats


def build_staffing(config: GeneratorConfig, calendar: Calendar, rng: random.Random) -> Staffing:
    """Create the reps, ids in hiring order (REP-001 ...), each with a manager and personal traits."""
    seats = sorted(_plan_seats(config, calendar, rng), key=lambda s: s.hired)
    used_emails: dict[str, int] = {}
    reps: list[Rep] = []
    for number, seat in enumerate(seats, start=1):
        first, last = person_name(rng, single_name_share=0.1)
        local = f"{first}.{last}".lower() if last else first.lower()
        used_emails[local] = used_emails.get(local, 0) + 1
        if used_emails[local] > 1:
            local = f"{local}{used_emails[local]}"
        updated_day = seat.left or calendar.sample_day(rng, max(seat.hired, calendar.start), calendar.end)
        reps.append(
            Rep(
                rep_id=f"REP-{number:03d}",
                full_name=f"{first} {last}" if last else first,
                email=f"{local}@{COMPANY_DOMAIN}",
                team=seat.team,
                region=TEAM_REGION[seat.team],
                role=seat.role,
                hired_date=seat.hired,
                left_date=seat.left,
                updated_at=calendar.business_time(rng, updated_day),
                response_median_min=min(max(math.exp(rng.gauss(math.log(45), 0.8)), 4.0), 720.0),
                skill=math.exp(rng.gauss(0.0, 0.18)),
                style=rng.uniform(-1.0, 1.0),
            )
        )
    _assign_managers(reps)
    return Staffing(tuple(reps))


def _assign_managers(reps: list[Rep]) -> None:
    head = next(r for r in reps if r.team == HEAD_TEAM)
    team_manager = {r.team: r for r in reps if r.role == "manager" and r is not head}
    for rep in reps:
        if rep is head:
            continue
        if rep.role == "manager":
            rep.manager = head
            continue
        team = rep.team if rep.team in team_manager else TEAM_MANAGER_FALLBACK.get(rep.team, "")
        rep.manager = team_manager.get(team, head)
