"""Sales reps: teams per region, roles, managers, people who join and leave, and who gets which work.

A team of the reference list (reference.TEAMS) is one squad of about eight people with its own manager
at the sample's size; a bigger company splits it into numbered squads ("Jakarta Commercial 3"), each
with a manager, so the span of control stays realistic at any scale. Work goes to a rep employed on the
day: `Staffing.pick` draws, for a whole batch of (who-qualifies, day) questions at once, uniformly among
the employed members of the first qualifying group that has any (the fallback chains of the sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pyarrow as pa

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import NEVER_DAY, GeneratorConfig
from scripts.sampledata.names import person_names
from scripts.sampledata.reference import (
    COMPANY_DOMAIN,
    FIRST_NAMES,
    FOREIGN_REGION,
    FOREIGN_TEAM,
    LAST_NAMES,
    REGION_NAMES,
    SEGMENT_NAMES,
    TEAM_MANAGER_FALLBACK,
    TEAMS,
    TeamSpec,
)

HEAD_TEAM = "National Sales"
BDR_TEAMS = ("Jakarta Commercial", "Jawa Timur", "Jawa Barat", "Sumatera")
ROLES = ("account_executive", "sdr", "bdr", "manager")
AE, SDR, BDR, MANAGER = range(4)
SQUAD_SIZE = 8
SPECS: tuple[TeamSpec, ...] = (*TEAMS, TeamSpec(HEAD_TEAM, "Jabodetabek", 0.0))
SPEC_INDEX = MappingProxyType({s.name: i for i, s in enumerate(SPECS)})
HEAD_SPEC = SPEC_INDEX[HEAD_TEAM]
INSIDE_SALES = next(i for i, s in enumerate(SPECS) if s.inside_sales)
LEAD_ROLES = ("account_executive", "sdr", "bdr")  # who works a lead, by its source


def teams_for(region: str, segment: str) -> tuple[int, ...]:
    """The account-executive team specs that cover an account's region and segment."""
    if region == FOREIGN_REGION:
        return (SPEC_INDEX[FOREIGN_TEAM],)
    if region == "Jabodetabek":
        return (SPEC_INDEX["Jakarta Enterprise" if segment == "enterprise" else "Jakarta Commercial"],)
    return tuple(i for i, t in enumerate(TEAMS) if t.region == region and not t.inside_sales)


@dataclass(frozen=True)
class Staffing:
    """All reps (arrays indexed by rep number - 1, in hiring order) and the pools work is drawn from."""

    role: np.ndarray
    spec: np.ndarray  # team spec index (SPECS)
    team: np.ndarray  # index into team_names
    team_names: tuple[str, ...]
    region: np.ndarray  # index into REGION_NAMES
    hired: np.ndarray  # epoch day
    left: np.ndarray  # epoch day, NEVER_DAY while employed
    manager: np.ndarray  # rep index, -1 for the head of sales
    updated_at: np.ndarray
    response_median_min: np.ndarray
    skill: np.ndarray
    style: np.ndarray  # -1: slow closer whose customers stay ... +1: fast closer whose customers churn
    first: np.ndarray
    last: np.ndarray
    email: tuple[str, ...]
    pools: tuple[np.ndarray, ...]
    chains: dict[tuple[int, int, int], tuple[int, ...]]  # (lead role or -1, region, segment) -> pool ids

    @property
    def count(self) -> int:
        return len(self.role)

    @property
    def head(self) -> int:
        return int(np.flatnonzero(self.spec == HEAD_SPEC)[0])

    def active(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Employed on day (hired on or before it, not left before it)."""
        rep = np.asarray(rep)
        return (self.hired[rep] <= day) & (day <= self.left[rep])

    @property
    def cycle_factor(self) -> np.ndarray:
        """Multiplier on sales-cycle length."""
        return 1.0 - 0.3 * self.style

    @property
    def churn_factor(self) -> np.ndarray:
        """Multiplier on the churn hazard of the customers a rep acquired."""
        return 1.0 + 0.8 * self.style

    # ----- who gets the work -------------------------------------------------------------------------
    def _active_count(self, pool: np.ndarray, day: np.ndarray) -> np.ndarray:
        hired = np.sort(self.hired[pool])
        left = np.sort(self.left[pool])
        return np.searchsorted(hired, day, side="right") - np.searchsorted(left, day, side="left")

    def _pick_in(self, rng: np.random.Generator, pool: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Uniformly among the pool's members employed on each day (each day has at least one)."""
        out = np.empty(len(day), np.int64)
        todo = np.arange(len(day))
        for _ in range(60):
            if not len(todo):
                return out
            candidate = pool[rng.integers(0, len(pool), len(todo))]
            ok = self.active(candidate, day[todo])
            out[todo[ok]] = candidate[ok]
            todo = todo[~ok]
        for i in todo:
            members = pool[self.active(pool, day[i])]
            out[i] = members[rng.integers(0, len(members))]
        return out

    def pick(
        self,
        rng: np.random.Generator,
        lead_role: np.ndarray,
        region: np.ndarray,
        segment: np.ndarray,
        day: np.ndarray,
    ) -> np.ndarray:
        """A rep for each question: lead_role -1 picks an account executive for an account of the region
        and segment; 0/1/2 picks who works a lead of that source role (AE, SDR, BDR)."""
        n = len(day)
        out = np.zeros(n, np.int64)  # the first rep when nobody qualifies (never at sensible sizes)
        key = (np.asarray(lead_role) + 1) * 1000 + np.asarray(region) * 10 + np.asarray(segment)
        for value in np.unique(key):
            rows = np.flatnonzero(key == value)
            chain = self.chains[(int(value) // 1000 - 1, int(value) % 1000 // 10, int(value) % 10)]
            for pool_id in chain:
                pool = self.pools[pool_id]
                if not len(rows) or not len(pool):
                    continue
                has = self._active_count(pool, day[rows]) > 0
                here = rows[has]
                if len(here):
                    out[here] = self._pick_in(rng, pool, day[here])
                rows = rows[~has]
        return out

    def pick_ae(
        self, rng: np.random.Generator, region: np.ndarray, segment: np.ndarray, day: np.ndarray
    ) -> np.ndarray:
        """An account executive employed on the day who covers the region and segment (with fallbacks)."""
        return self.pick(rng, np.full(len(day), -1), region, segment, day)

    def manager_of(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Each rep's manager if employed on the day, else the head of sales (the head: itself)."""
        rep = np.asarray(rep)
        manager = self.manager[rep]
        ok = (manager >= 0) & self.active(np.maximum(manager, 0), day)
        head = self.head
        return np.where(ok, manager, np.where(rep == head, rep, head))


# ----- planning the seats ----------------------------------------------------------------------------
def _allocate(n: int, weights: list[tuple[int, float]]) -> list[int]:
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


def _squads(count: int) -> int:
    return max(1, round(count / SQUAD_SIZE))


@dataclass
class _Plan:
    spec: np.ndarray
    squad: np.ndarray
    role: np.ndarray
    hired: np.ndarray
    left: np.ndarray
    squads: dict[int, int]


def _positions(rest: int, period: int) -> tuple[int, int, int, int, list[int]]:
    leavers = max(1, round(rest * 0.12)) if period >= 150 else 0
    refills = max(1, leavers - 1) if leavers else 0
    positions = rest - refills
    n_sdr = max(1, round(positions * 0.16))
    n_bdr = max(1, round(positions * 0.09))
    ae_specs = _allocate(
        positions - n_sdr - n_bdr, [(i, t.ae_weight) for i, t in enumerate(TEAMS) if t.ae_weight > 0]
    )
    return leavers, refills, n_sdr, n_bdr, ae_specs


def _plan_seats(config: GeneratorConfig, calendar: Calendar, rng: np.random.Generator) -> _Plan:
    """Positions and the people in them over the period: initial staff, growth hires, leavers, refills."""
    start, end = calendar.start_day, calendar.end_day
    period = end - start
    managers = sum(1 for t in TEAMS if t.has_manager)
    for _ in range(20):  # squads need managers, managers take seats: settle on a count
        leavers, refills, n_sdr, n_bdr, ae_specs = _positions(config.reps - 1 - managers, period)
        members = {i: ae_specs.count(i) for i in range(len(TEAMS))}
        members[INSIDE_SALES] = n_sdr
        for i in range(n_bdr):
            members[SPEC_INDEX[BDR_TEAMS[i % len(BDR_TEAMS)]]] += 1
        squads = {i: _squads(members[i]) for i in range(len(TEAMS))}
        needed = sum(squads[i] for i, t in enumerate(TEAMS) if t.has_manager)
        if needed == managers or needed > config.reps - 1 - MIN_STAFF:
            break
        managers = needed
    squads[HEAD_SPEC] = 1
    # staff seats in a fixed order: account executives by team, SDRs, BDRs
    spec = [
        *ae_specs,
        *([INSIDE_SALES] * n_sdr),
        *(SPEC_INDEX[BDR_TEAMS[i % len(BDR_TEAMS)]] for i in range(n_bdr)),
    ]
    role = [AE] * len(ae_specs) + [SDR] * n_sdr + [BDR] * n_bdr
    seen: dict[int, int] = {}
    squad = []
    for s in spec:
        squad.append(seen.get(s, 0) % squads[s])
        seen[s] = seen.get(s, 0) + 1
    spec_a, role_a, squad_a = np.array(spec), np.array(role), np.array(squad)
    n = len(spec_a)
    positions = n
    first_of_team = np.zeros(n, bool)
    first_of_team[np.unique(spec_a, return_index=True)[1]] = True
    growable = np.flatnonzero(~first_of_team & (role_a != BDR))
    growth = np.zeros(n, bool)
    growth[rng.choice(growable, min(len(growable), round(positions * 0.15)), replace=False)] = True
    hired = np.where(
        growth,
        start + (period * rng.uniform(0.08, 0.75, n)).astype(np.int64),
        start - np.exp(rng.uniform(math.log(30), math.log(5 * 365), n)).astype(np.int64),
    )
    initial = rng.permutation(np.flatnonzero(~growth))
    _, first_per_team = np.unique(spec_a[initial], return_index=True)
    distinct = initial[np.sort(first_per_team)][:leavers]  # leavers from different teams where possible
    others = initial[~np.isin(initial, distinct)]
    picked = np.sort(np.r_[distinct, others[: leavers - len(distinct)]])
    left = np.full(n, NEVER_DAY)
    left[picked] = start + (period * rng.uniform(0.15, 0.85, len(picked))).astype(np.int64)
    refill_from = picked[:refills]
    refill_hired = np.minimum(left[refill_from] + rng.integers(20, 76, len(refill_from)), end - 3)
    # managers: the head of sales, then one per squad of every team that has its own manager
    mgr_spec = [HEAD_SPEC] + [i for i, t in enumerate(TEAMS) if t.has_manager for _ in range(squads[i])]
    mgr_squad = [0] + [k for i, t in enumerate(TEAMS) if t.has_manager for k in range(squads[i])]
    mgr_hired = np.r_[
        start - rng.integers(5 * 365, 9 * 365 + 1),
        start - rng.integers(2 * 365, 7 * 365 + 1, len(mgr_spec) - 1),
    ]
    return _Plan(
        spec=np.r_[mgr_spec, spec_a, spec_a[refill_from]].astype(np.int64),
        squad=np.r_[mgr_squad, squad_a, squad_a[refill_from]].astype(np.int64),
        role=np.r_[[MANAGER] * len(mgr_spec), role_a, role_a[refill_from]].astype(np.int64),
        hired=np.r_[mgr_hired, hired, refill_hired].astype(np.int64),
        left=np.r_[np.full(len(mgr_spec), NEVER_DAY), left, np.full(len(refill_from), NEVER_DAY)].astype(
            np.int64
        ),
        squads=squads,
    )


MIN_STAFF = 5


def _team_names(squads: dict[int, int]) -> tuple[tuple[str, ...], dict[tuple[int, int], int]]:
    names: list[str] = []
    index: dict[tuple[int, int], int] = {}
    for i, spec in enumerate(SPECS):
        for k in range(squads[i]):
            index[(i, k)] = len(names)
            names.append(spec.name if squads[i] == 1 else f"{spec.name} {k + 1}")
    return tuple(names), index


def build_staffing(config: GeneratorConfig, calendar: Calendar, rng: np.random.Generator) -> Staffing:
    """Create the reps, numbered in hiring order (REP-001 ...), each with a manager and personal traits."""
    plan = _plan_seats(config, calendar, rng)
    order = np.argsort(plan.hired, kind="stable")
    spec, squad, role = plan.spec[order], plan.squad[order], plan.role[order]
    hired, left = plan.hired[order], plan.left[order]
    n = len(spec)
    first, last = person_names(rng, n, single_name_share=0.1)
    emails, used = [], {}
    for f, la in zip(first.tolist(), last.tolist(), strict=True):
        local = f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}".lower() if la >= 0 else FIRST_NAMES[f].lower()
        used[local] = used.get(local, 0) + 1
        emails.append(f"{local}{used[local] if used[local] > 1 else ''}@{COMPANY_DOMAIN}")
    leaver = left < NEVER_DAY
    sampled = calendar.sample_days(rng, n, lo=np.maximum(hired, calendar.start_day), hi=calendar.end_day)
    updated_at = calendar.business_time(rng, np.where(leaver, left, sampled))
    team_names, team_index = _team_names(plan.squads)
    team = np.array(
        [team_index[(s, q)] for s, q in zip(spec.tolist(), squad.tolist(), strict=True)], np.int64
    )
    manager = _managers(spec, squad, role, plan.squads)
    region = np.array([REGION_NAMES.index(SPECS[s].region) for s in spec.tolist()], np.int64)
    staffing = Staffing(
        role=role,
        spec=spec,
        team=team,
        team_names=team_names,
        region=region,
        hired=hired,
        left=left,
        manager=manager,
        updated_at=updated_at,
        response_median_min=np.clip(np.exp(rng.normal(math.log(45), 0.8, n)), 4.0, 720.0),
        skill=np.exp(rng.normal(0.0, 0.18, n)),
        style=rng.uniform(-1.0, 1.0, n),
        first=first,
        last=last,
        email=tuple(emails),
        pools=(),
        chains={},
    )
    pools, chains = _pools(staffing)
    return Staffing(**{**staffing.__dict__, "pools": pools, "chains": chains})


def _managers(spec: np.ndarray, squad: np.ndarray, role: np.ndarray, squads: dict[int, int]) -> np.ndarray:
    head = int(np.flatnonzero(spec == HEAD_SPEC)[0])
    squad_manager = {
        (int(s), int(q)): i
        for i, (s, q, r) in enumerate(zip(spec, squad, role, strict=True))
        if r == MANAGER and s != HEAD_SPEC
    }
    out = np.full(len(spec), -1, np.int64)
    for i, (s, q, r) in enumerate(zip(spec.tolist(), squad.tolist(), role.tolist(), strict=True)):
        if i == head:
            continue
        if r == MANAGER:
            out[i] = head
            continue
        if (s, q) in squad_manager:
            out[i] = squad_manager[(s, q)]
            continue
        fallback = SPEC_INDEX.get(TEAM_MANAGER_FALLBACK.get(SPECS[s].name, ""), -1)
        out[i] = squad_manager.get((fallback, q % squads.get(fallback, 1)), head)
    return out


def _pools(staff: Staffing) -> tuple[tuple[np.ndarray, ...], dict[tuple[int, int, int], tuple[int, ...]]]:
    """The groups work is drawn from and, per kind of question, the order they are tried in."""
    pools: list[np.ndarray] = []
    ids: dict[tuple, int] = {}

    def pool(key: tuple, members: np.ndarray) -> int:
        if key not in ids:
            ids[key] = len(pools)
            pools.append(np.flatnonzero(members).astype(np.int64))
        return ids[key]

    role, spec = staff.role, staff.spec
    spec_region = np.array([REGION_NAMES.index(s.region) for s in SPECS])
    chains: dict[tuple[int, int, int], tuple[int, ...]] = {}
    for r, region in enumerate(REGION_NAMES):
        for g, segment in enumerate(SEGMENT_NAMES):
            covering = teams_for(region, segment)
            ae_chain = (
                pool(("ae", covering), (role == AE) & np.isin(spec, covering)),
                pool(("ae_region", r), (role == AE) & (spec_region[spec] == r) & (region != FOREIGN_REGION)),
                pool(("mgr", covering), (role == MANAGER) & np.isin(spec, covering)),
                pool(
                    ("ae_jakarta",),
                    (role == AE)
                    & np.isin(spec, [SPEC_INDEX["Jakarta Commercial"], SPEC_INDEX["Jakarta Enterprise"]]),
                ),
                pool(("ae_or_mgr",), (role == AE) | (role == MANAGER)),
            )
            chains[(-1, r, g)] = ae_chain
            chains[(AE, r, g)] = ae_chain
            chains[(SDR, r, g)] = (pool(("sdr",), role == SDR), *ae_chain)
            chains[(BDR, r, g)] = (
                pool(("bdr", covering), (role == BDR) & np.isin(spec, covering)),
                pool(("bdr",), role == BDR),
                *ae_chain,
            )
    return tuple(pools), chains


def rep_ids(n: int) -> pa.Array:
    """REP-001, REP-002, ... (wider when there are more than 999 reps)."""
    from scripts.sampledata.ids import format_ids

    return format_ids("REP", np.arange(1, n + 1), 3)
