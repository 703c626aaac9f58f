"""Indonesian person and company names, email domains, email addresses and phone numbers, in batches.

Names are drawn as indexes into the reference word lists and rendered as Arrow string arrays, so a
million names cost a few Arrow kernels rather than a million Python string operations.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scripts.sampledata.reference import (
    COMPANY_WORDS_A,
    COMPANY_WORDS_B,
    FIRST_NAMES,
    FOREIGN_LOCATIONS,
    INDUSTRY_NAMES,
    LAST_NAMES,
    SEGMENT_NAMES,
)

PHONE_PREFIXES = ("811", "812", "813", "815", "817", "819", "821", "822", "852", "856", "857", "878")
DOMAIN_STOP_WORDS = frozenset(
    {"pt", "tbk", "cv", "ud", "pte", "ltd", "sdn", "bhd", "inc", "pty", "k", "b", "v"}
)
_SMB, _MID, _ENT = (SEGMENT_NAMES.index(s) for s in ("smb", "mid_market", "enterprise"))
_SMALL_SHOP_INDUSTRIES = tuple(INDUSTRY_NAMES.index(i) for i in ("retail", "food & beverage", "distribution"))


@cache
def _words(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, pa.string())


def take(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """values[index] as an Arrow string array (index -1 gives NULL)."""
    index = np.asarray(index)
    return _words(values).take(pa.array(index, mask=index < 0))


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of string arrays and constants."""
    return pc.binary_join_element_wise(*parts, sep)


def person_names(
    rng: np.random.Generator, n: int, single_name_share: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """First-name and family-name indexes; many Indonesians use a single name (family index -1)."""
    first = rng.integers(0, len(FIRST_NAMES), n).astype(np.int16)
    last = rng.integers(0, len(LAST_NAMES), n).astype(np.int16)
    single = rng.random(n) < single_name_share
    return first, np.where(single, -1, last).astype(np.int16)


def full_names(first: np.ndarray, last: np.ndarray) -> pa.Array:
    """'First Last', or 'First' for single names."""
    both = join(take(FIRST_NAMES, first), take(LAST_NAMES, last), sep=" ")
    return pc.coalesce(both, take(FIRST_NAMES, first))


@cache
def _lower(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.lower() for v in values)


@cache
def _initials(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v[0].lower() for v in values)


def emails(style: np.ndarray, first: np.ndarray, last: np.ndarray, domain: pa.Array) -> pa.Array:
    """Work email addresses: first.last, firstl or flast at the domain (by style, a number in [0, 1));
    single names: first@."""
    f, lst = take(_lower(FIRST_NAMES), first), take(_lower(LAST_NAMES), last)
    fi, li = take(_initials(FIRST_NAMES), first), take(_initials(LAST_NAMES), last)
    local = pc.case_when(
        pc.make_struct(pa.array(last < 0), pa.array(style < 0.55), pa.array(style < 0.8)),
        f,
        join(f, lst, sep="."),
        join(f, li),
        join(fi, lst),
    )
    return join(local, domain, sep="@")


def phones(rng: np.random.Generator, n: int) -> pa.Array:
    """Indonesian mobile numbers in the formats people type."""
    prefix = take(PHONE_PREFIXES, rng.integers(0, len(PHONE_PREFIXES), n))
    a = pc.cast(pa.array(rng.integers(1000, 10000, n)), pa.string())
    b = pc.cast(pa.array(rng.integers(1000, 10000, n)), pa.string())
    style = rng.random(n)
    return pc.case_when(
        pc.make_struct(pa.array(style < 0.4), pa.array(style < 0.7), pa.array(style < 0.85)),
        join("0", prefix, "-", a, "-", b),
        join("+62 ", prefix, " ", a, " ", b),
        join("62", prefix, a, b),
        join("0", prefix, a, b),
    )


# ----- companies ---------------------------------------------------------------------------------
# name patterns; each renders from (first word a, second word b, tail word, shop prefix)
_PATTERNS = (
    "RS {a} Husada",
    "Klinik {core}",
    "Yayasan Pendidikan {core}",
    "Sekolah {core}",
    "Hotel {core}",
    "{shop} {core}",
    "CV {core} {tail}",
    "PT {core} {tail} Tbk",
    "PT {core} {tail}",
)
_SHOPS = ("CV", "UD", "Toko")
THIRD_WORD_SHARE = 0.45  # names of three words ("PT Maju Jaya Sentosa Logistik"): more distinct names


SUFFIXES = tuple(dict.fromkeys(s for _, _, s in FOREIGN_LOCATIONS))  # foreign legal forms


@cache
def _render(code: int) -> str:
    code, suffix = divmod(code, len(SUFFIXES) + 1)
    code, shop = divmod(code, len(_SHOPS))
    code, tail = divmod(code, len(COMPANY_WORDS_B))
    code, c = divmod(code, len(COMPANY_WORDS_A) + 1)
    code, b = divmod(code, len(COMPANY_WORDS_A))
    pattern, a = divmod(code, len(COMPANY_WORDS_A))
    word_a, word_b = COMPANY_WORDS_A[a], COMPANY_WORDS_A[b]
    core = word_a if a == b else f"{word_a} {word_b}"
    if c < len(COMPANY_WORDS_A):
        core += f" {COMPANY_WORDS_A[c]}"
    name = _PATTERNS[pattern].format(a=word_a, core=core, tail=COMPANY_WORDS_B[tail], shop=_SHOPS[shop])
    if suffix:
        name = name.removeprefix("PT ").removesuffix(" Tbk") + f" {SUFFIXES[suffix - 1]}"
    return name


def company_codes(
    rng: np.random.Generator, industry: np.ndarray, segment: np.ndarray, suffix: np.ndarray
) -> np.ndarray:
    """Company names by industry and segment, as codes (equal names have equal codes); foreign companies
    (suffix index >= 0 into SUFFIXES) carry their country's legal form instead of PT / Tbk."""
    n = len(industry)
    a, b = rng.integers(0, len(COMPANY_WORDS_A), n), rng.integers(0, len(COMPANY_WORDS_A), n)
    tail = rng.integers(0, len(COMPANY_WORDS_B), n)
    u = rng.random((7, n))
    none = len(COMPANY_WORDS_A)  # no third word
    c = np.where(u[6] < THIRD_WORD_SHARE, rng.integers(0, none, n), none)
    shop = np.minimum((u[5] * 3).astype(np.int64), 2)
    healthcare = (industry == INDUSTRY_NAMES.index("healthcare")) & (u[0] < 0.5)
    education = (industry == INDUSTRY_NAMES.index("education")) & (u[0] < 0.6)
    hospitality = (industry == INDUSTRY_NAMES.index("hospitality")) & (u[0] < 0.6)
    small_shop = (segment == _SMB) & np.isin(industry, _SMALL_SHOP_INDUSTRIES) & (u[1] < 0.5)
    small_cv = (segment == _SMB) & (u[2] < 0.25)
    tbk = (segment == _ENT) & (u[3] < 0.3)
    pattern = np.select(
        [
            healthcare & (u[4] < 0.5),
            healthcare,
            education & (segment != _SMB),
            education,
            hospitality,
            small_shop,
            small_cv,
            tbk,
        ],
        [0, 1, 2, 3, 4, 5, 6, 7],
        8,
    )
    foreign = np.asarray(suffix) >= 0
    pattern = np.where(foreign & (pattern == 7), 8, pattern)  # a foreign company has no Tbk
    # canonical codes: parts a pattern does not use are fixed, so equal names get equal codes
    b = np.where(pattern != 0, b, a)
    c = np.where((pattern == 0) | (c == a) | (c == b), none, c)
    b, c = np.where((a == b) & (c != none), c, b), np.where((a == b) & (c != none), none, c)  # "X Y", once
    tail = np.where(np.isin(pattern, (6, 7, 8)), tail, 0)
    shop = np.where(pattern == 5, shop, 0)
    code = pattern * len(COMPANY_WORDS_A) + a
    code = code * len(COMPANY_WORDS_A) + b
    code = code * (none + 1) + c
    code = code * len(COMPANY_WORDS_B) + tail
    code = code * len(_SHOPS) + shop
    return code * (len(SUFFIXES) + 1) + np.where(foreign, np.asarray(suffix) + 1, 0)


def local_ranks(codes: np.ndarray) -> np.ndarray:
    """How many earlier entries of the batch carry the same name code."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    first_of_group = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]] if len(codes) else np.empty(0, bool)
    group_start = np.maximum.accumulate(np.where(first_of_group, np.arange(len(codes)), 0))
    rank = np.empty(len(codes), np.int64)
    rank[order] = np.arange(len(codes)) - group_start
    return rank


class NameBook:
    """Hands out unique company names across the batches (shards) of a run, in batch order: a repeated
    name gets ' 2', ' 3', ... The first of a name keeps it plain."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}
        self._vocabulary: dict[int, str] = {}

    def numbers(self, codes: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """The number of each name of a batch (0: none), given its rank within the batch."""
        unique, counts = np.unique(codes, return_counts=True)
        before = np.array([self._seen.get(int(c), 0) for c in unique], np.int64)
        seen_before = before[np.searchsorted(unique, codes)]
        for code, n, b in zip(unique.tolist(), counts.tolist(), before.tolist(), strict=True):
            self._seen[code] = b + n
        occurrence = seen_before + ranks
        return np.where(occurrence > 0, occurrence + 1, 0)

    def base(self, codes: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        """The rendered names of codes (before numbering) and their vocabulary positions."""
        unique, inverse = np.unique(codes, return_inverse=True)
        for code in unique.tolist():
            if code not in self._vocabulary:
                self._vocabulary[code] = _render(code)
        names = pa.array([self._vocabulary[c] for c in unique.tolist()], pa.string())
        return names, inverse

    def names(self, codes: np.ndarray, numbers: np.ndarray) -> pa.Array:
        """Company names with their numbers."""
        vocabulary, inverse = self.base(codes)
        base = vocabulary.take(pa.array(inverse))
        suffix = pc.cast(pa.array(numbers), pa.string())
        return pc.if_else(pa.array(numbers > 0), join(base, suffix, sep=" "), base)

    def domains(self, codes: np.ndarray, numbers: np.ndarray, education: np.ndarray) -> pa.Array:
        """A plausible web domain per company (at most 24 letters before the top-level domain)."""
        vocabulary, inverse = self.base(codes)
        cores = pa.array([domain_core(v) for v in vocabulary.to_pylist()], pa.string()).take(
            pa.array(inverse)
        )
        core = pc.if_else(pa.array(numbers > 0), join(cores, pc.cast(pa.array(numbers), pa.string())), cores)
        core = pc.utf8_slice_codeunits(core, 0, 24)
        core = pc.if_else(pc.equal(core, ""), pa.scalar("company"), core)
        foreign = codes % (len(SUFFIXES) + 1) > 0
        tld = pc.case_when(
            pc.make_struct(pa.array(foreign), pa.array(education)), ".com", ".sch.id", ".co.id"
        )
        return join(core, tld)


@cache
def domain_core(name: str) -> str:
    """The web-domain stem of a company name: its words without legal forms."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    return "".join(w for w in words if w not in DOMAIN_STOP_WORDS)
