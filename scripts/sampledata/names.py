"""Indonesian person and company names, email domains and phone numbers."""

from __future__ import annotations

import random
import re

from scripts.sampledata.reference import COMPANY_WORDS_A, COMPANY_WORDS_B, FIRST_NAMES, LAST_NAMES


def person_name(rng: random.Random, single_name_share: float = 0.15) -> tuple[str, str | None]:
    """A first name and a family name; many Indonesians use a single name (family name None)."""
    first = rng.choice(FIRST_NAMES)
    if rng.random() < single_name_share:
        return first, None
    return first, rng.choice(LAST_NAMES)


def _base_company_name(rng: random.Random, industry: str, segment: str) -> str:
    a, b = rng.choice(COMPANY_WORDS_A), rng.choice(COMPANY_WORDS_A)
    core = a if a == b else f"{a} {b}"
    tail = rng.choice(COMPANY_WORDS_B)
    if industry == "healthcare" and rng.random() < 0.5:
        return f"RS {a} Husada" if rng.random() < 0.5 else f"Klinik {core}"
    if industry == "education" and rng.random() < 0.6:
        return f"Yayasan Pendidikan {core}" if segment != "smb" else f"Sekolah {core}"
    if industry == "hospitality" and rng.random() < 0.6:
        return f"Hotel {core}"
    if segment == "smb" and industry in ("retail", "food & beverage", "distribution") and rng.random() < 0.5:
        return f"{rng.choice(('CV', 'UD', 'Toko'))} {core}"
    if segment == "smb" and rng.random() < 0.25:
        return f"CV {core} {tail}"
    name = f"PT {core} {tail}"
    if segment == "enterprise" and rng.random() < 0.3:
        name += " Tbk"
    return name


class NameBook:
    """Hands out company names that are unique within one generation run."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def company(self, rng: random.Random, industry: str, segment: str, foreign_suffix: str | None) -> str:
        """A new company name (foreign companies get their country's legal suffix)."""
        for _ in range(20):
            name = _base_company_name(rng, industry, segment)
            if foreign_suffix:
                name = name.removeprefix("PT ").removesuffix(" Tbk") + f" {foreign_suffix}"
            if name not in self._used:
                self._used[name] = 1
                return name
        self._used[name] += 1
        return f"{name} {self._used[name]}"


def domain_for(company: str, country_code: str, industry: str) -> str:
    """A plausible web domain for a company name."""
    words = [w for w in re.split(r"[^a-z0-9]+", company.lower()) if w]
    stop = {"pt", "tbk", "cv", "ud", "pte", "ltd", "sdn", "bhd", "inc", "pty", "k", "b", "v"}
    core = "".join(w for w in words if w not in stop)[:24] or "company"
    if country_code != "ID":
        return f"{core}.com"
    if industry == "education":
        return f"{core}.sch.id"
    return f"{core}.co.id"


def email_for(first: str, last: str | None, domain: str, rng: random.Random) -> str:
    """A work email address at domain."""
    first_l = first.lower()
    if last is None:
        return f"{first_l}@{domain}"
    last_l = last.lower()
    style = rng.random()
    if style < 0.55:
        local = f"{first_l}.{last_l}"
    elif style < 0.8:
        local = f"{first_l}{last_l[0]}"
    else:
        local = f"{first_l[0]}{last_l}"
    return f"{local}@{domain}"


def phone_number(rng: random.Random) -> str:
    """An Indonesian mobile number in one of the formats people type."""
    prefix = rng.choice(("811", "812", "813", "815", "817", "819", "821", "822", "852", "856", "857", "878"))
    a, b = rng.randrange(1000, 10000), rng.randrange(1000, 10000)
    style = rng.random()
    if style < 0.4:
        return f"0{prefix}-{a}-{b}"
    if style < 0.7:
        return f"+62 {prefix} {a} {b}"
    if style < 0.85:
        return f"62{prefix}{a}{b}"
    return f"0{prefix}{a}{b}"
