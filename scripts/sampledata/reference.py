"""Static reference data for the sample company: geography, names, industries, lead sources, labels.

Everything here is an immutable constant (tuples and mappings that are never mutated); the generator
modules draw from it with their own seeded random streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

COMPANY_NAME = "PT Solusi Digital Nusantara"
COMPANY_DOMAIN = "solusinusantara.co.id"


@dataclass(frozen=True)
class Region:
    """A sales region of Indonesia with its cities and its share of demand."""

    name: str
    weight: float
    cities: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region(
        "Jabodetabek",
        0.42,
        (
            "Jakarta Selatan",
            "Jakarta Pusat",
            "Jakarta Barat",
            "Jakarta Utara",
            "Jakarta Timur",
            "Tangerang",
            "Tangerang Selatan",
            "Bekasi",
            "Depok",
            "Bogor",
        ),
    ),
    Region("Jawa Barat", 0.13, ("Bandung", "Cimahi", "Cirebon", "Karawang", "Sukabumi", "Tasikmalaya")),
    Region("Jawa Timur", 0.14, ("Surabaya", "Malang", "Sidoarjo", "Gresik", "Kediri", "Jember")),
    Region("Jawa Tengah", 0.09, ("Semarang", "Surakarta", "Yogyakarta", "Magelang", "Pekalongan", "Kudus")),
    Region("Sumatera", 0.11, ("Medan", "Palembang", "Pekanbaru", "Padang", "Batam", "Bandar Lampung")),
    Region("Bali & Nusa Tenggara", 0.06, ("Denpasar", "Badung", "Gianyar", "Mataram", "Kupang")),
    Region("Sulawesi", 0.05, ("Makassar", "Manado", "Kendari", "Palu")),
)
REGION_BY_NAME = MappingProxyType({r.name: r for r in REGIONS})

# Foreign head offices (country code, city, company suffix); they buy in USD, SGD or EUR.
FOREIGN_LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("SG", "Singapore", "Pte Ltd"),
    ("SG", "Singapore", "Pte Ltd"),
    ("SG", "Singapore", "Pte Ltd"),
    ("MY", "Kuala Lumpur", "Sdn Bhd"),
    ("US", "San Francisco", "Inc."),
    ("AU", "Sydney", "Pty Ltd"),
    ("JP", "Tokyo", "K.K."),
    ("NL", "Amsterdam", "B.V."),
)
FOREIGN_REGION = "International"


@dataclass(frozen=True)
class TeamSpec:
    """A sales team: its region, share of account executives and whether it is the inside-sales team."""

    name: str
    region: str
    ae_weight: float
    inside_sales: bool = False
    has_manager: bool = True


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("Jakarta Enterprise", "Jabodetabek", 0.17),
    TeamSpec("Jakarta Commercial", "Jabodetabek", 0.22),
    TeamSpec("Inside Sales", "Jabodetabek", 0.0, inside_sales=True),
    TeamSpec("Jawa Barat", "Jawa Barat", 0.13),
    TeamSpec("Jawa Timur", "Jawa Timur", 0.14),
    TeamSpec("Jawa Tengah & DIY", "Jawa Tengah", 0.09, has_manager=False),
    TeamSpec("Sumatera", "Sumatera", 0.11),
    TeamSpec("Bali & Nusa Tenggara", "Bali & Nusa Tenggara", 0.07, has_manager=False),
    TeamSpec("Sulawesi", "Sulawesi", 0.07, has_manager=False),
)
# Teams without their own manager report to a neighbouring team's manager.
TEAM_MANAGER_FALLBACK = MappingProxyType(
    {
        "Jawa Tengah & DIY": "Jawa Timur",
        "Bali & Nusa Tenggara": "Jawa Timur",
        "Sulawesi": "Sumatera",
    }
)
FOREIGN_TEAM = "Jakarta Enterprise"

FIRST_NAMES: tuple[str, ...] = (
    "Budi",
    "Agus",
    "Dewi",
    "Siti",
    "Rina",
    "Andi",
    "Hendra",
    "Yusuf",
    "Putri",
    "Ayu",
    "Bambang",
    "Eko",
    "Wahyu",
    "Sri",
    "Fitri",
    "Rizky",
    "Dimas",
    "Nur",
    "Indah",
    "Ahmad",
    "Fajar",
    "Rudi",
    "Maya",
    "Hadi",
    "Joko",
    "Teguh",
    "Made",
    "Ketut",
    "Nyoman",
    "Wayan",
    "Yohanes",
    "Maria",
    "Stefanus",
    "Kevin",
    "Michael",
    "Felicia",
    "Jessica",
    "Irfan",
    "Arif",
    "Dian",
    "Ratna",
    "Yuni",
    "Taufik",
    "Galih",
    "Reza",
    "Bayu",
    "Citra",
    "Nadia",
    "Aditya",
    "Gita",
    "Hana",
    "Ilham",
    "Intan",
    "Lukman",
    "Mega",
    "Novi",
    "Oki",
    "Rahmat",
    "Sinta",
    "Tommy",
    "Vina",
    "Wulan",
    "Yoga",
    "Zainal",
    "Anisa",
    "Bagus",
    "Cahya",
    "Desi",
    "Erwin",
    "Farah",
    "Gilang",
    "Hesti",
    "Imam",
    "Januar",
    "Kartika",
    "Lina",
    "Mira",
    "Nanda",
)
LAST_NAMES: tuple[str, ...] = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Lubis",
    "Gunawan",
    "Setiawan",
    "Susanto",
    "Halim",
    "Tanjung",
    "Wibowo",
    "Purnomo",
    "Nugroho",
    "Rahman",
    "Hakim",
    "Sembiring",
    "Ginting",
    "Tambunan",
    "Lim",
    "Tan",
    "Salim",
    "Hartono",
    "Kurniawan",
    "Utomo",
    "Suryadi",
    "Permana",
    "Manurung",
    "Situmorang",
    "Mahendra",
    "Effendi",
    "Putra",
    "Sari",
    "Anggraini",
    "Rahayu",
    "Wulandari",
    "Mulyadi",
    "Pangestu",
    "Sasmita",
    "Lestari",
    "Hutapea",
    "Tarigan",
    "Daulay",
    "Sihombing",
    "Pardede",
)

COMPANY_WORDS_A: tuple[str, ...] = (
    "Maju",
    "Jaya",
    "Sentosa",
    "Abadi",
    "Makmur",
    "Sinar",
    "Mitra",
    "Karya",
    "Sumber",
    "Cahaya",
    "Bintang",
    "Mega",
    "Global",
    "Prima",
    "Nusantara",
    "Indo",
    "Graha",
    "Bumi",
    "Tunas",
    "Anugerah",
    "Berkah",
    "Surya",
    "Cipta",
    "Lestari",
    "Mandiri",
    "Sejahtera",
    "Gemilang",
    "Perkasa",
    "Utama",
    "Harapan",
    "Mulia",
    "Sakti",
    "Agung",
    "Duta",
    "Buana",
    "Samudra",
    "Kencana",
    "Citra",
    "Pilar",
)
COMPANY_WORDS_B: tuple[str, ...] = (
    "Logistik",
    "Retailindo",
    "Farma",
    "Tekstil",
    "Pangan",
    "Konstruksi",
    "Distribusi",
    "Elektronik",
    "Trading",
    "Teknologi",
    "Medika",
    "Properti",
    "Energi",
    "Kimia",
    "Plastik",
    "Otomotif",
    "Agro",
    "Boga",
    "Kreasi",
    "Solusi",
    "Persada",
    "Logam",
    "Kemasan",
    "Niaga",
    "Sarana",
    "Ekspres",
    "Husada",
)

INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("manufacturing", 0.15),
    ("retail", 0.14),
    ("distribution", 0.10),
    ("food & beverage", 0.09),
    ("logistics", 0.07),
    ("healthcare", 0.07),
    ("hospitality", 0.06),
    ("financial services", 0.06),
    ("education", 0.05),
    ("construction", 0.05),
    ("property", 0.04),
    ("agriculture", 0.03),
    ("energy & mining", 0.03),
    ("telecommunications", 0.03),
    ("professional services", 0.03),
)
SEGMENTS: tuple[tuple[str, float], ...] = (("smb", 0.60), ("mid_market", 0.28), ("enterprise", 0.12))

JOB_TITLES: tuple[str, ...] = (
    "Direktur Utama",
    "Direktur Keuangan",
    "IT Manager",
    "Kepala Bagian IT",
    "Procurement Manager",
    "Purchasing Staff",
    "Head of Finance",
    "CFO",
    "COO",
    "Owner",
    "General Manager",
    "HR Manager",
    "Operations Manager",
    "Finance & Accounting Supervisor",
    "Store Manager",
    "Head of Digital",
)
FREE_MAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com")


@dataclass(frozen=True)
class LeadSource:
    """A raw lead-source label with its demand share and how well it converts.

    `p_opportunity` is the base chance that a lead becomes an opportunity; `win_factor` scales the
    opportunity's win chance; `owner_role` is who works the lead; `digital` leads arrive at any hour.
    """

    label: str
    weight: float
    p_opportunity: float
    win_factor: float
    owner_role: str
    digital: bool
    big_company_share: float


LEAD_SOURCES: tuple[LeadSource, ...] = (
    LeadSource("Google Ads", 0.13, 0.085, 0.95, "sdr", True, 0.25),
    LeadSource("google / cpc", 0.05, 0.080, 0.95, "sdr", True, 0.25),
    LeadSource("Organic Search", 0.10, 0.110, 1.00, "sdr", True, 0.30),
    LeadSource("Website", 0.09, 0.120, 1.00, "sdr", True, 0.30),
    LeadSource("LinkedIn", 0.06, 0.075, 1.00, "sdr", True, 0.55),
    LeadSource("Facebook", 0.05, 0.040, 0.85, "sdr", True, 0.10),
    LeadSource("Instagram", 0.04, 0.035, 0.85, "sdr", True, 0.10),
    LeadSource("Email Campaign", 0.05, 0.060, 0.95, "sdr", True, 0.30),
    LeadSource("Webinar", 0.05, 0.120, 1.05, "sdr", False, 0.35),
    LeadSource("Event", 0.05, 0.150, 1.05, "sdr", False, 0.40),
    LeadSource("Referral", 0.06, 0.360, 1.40, "account_executive", False, 0.40),
    LeadSource("Partner", 0.05, 0.300, 1.30, "account_executive", False, 0.50),
    LeadSource("Cold Call", 0.09, 0.040, 0.75, "bdr", False, 0.30),
    LeadSource("Cold Email", 0.08, 0.025, 0.70, "bdr", False, 0.35),
    LeadSource("Pameran Jakarta", 0.015, 0.120, 1.00, "sdr", False, 0.30),
    LeadSource("WA Blast", 0.015, 0.030, 0.80, "bdr", False, 0.10),
)
EVENT_SOURCES: tuple[str, ...] = ("Event", "Pameran Jakarta")

LOSS_REASONS: tuple[tuple[str, float], ...] = (
    ("Price too high", 0.20),
    ("Lost to competitor", 0.18),
    ("No budget", 0.14),
    ("No decision / unresponsive", 0.16),
    ("Timing - postponed to next year", 0.09),
    ("Chose in-house solution", 0.05),
    ("Product fit - missing features", 0.08),
    ("Budget belum ada", 0.05),
    ("Kalah harga dengan kompetitor", 0.05),
)
RENEWAL_LOSS_REASONS: tuple[tuple[str, float], ...] = (
    ("Switched to competitor", 0.35),
    ("Budget cut", 0.25),
    ("Low adoption", 0.25),
    ("Business closed / merged", 0.15),
)
STALE_LOSS_REASON = "No follow-up after rep left"

CALL_OUTCOMES: tuple[tuple[str, float], ...] = (
    ("connected", 0.38),
    ("no answer", 0.30),
    ("left voicemail", 0.12),
    ("busy", 0.08),
    ("wrong number", 0.04),
    ("call back later", 0.08),
)
MEETING_OUTCOMES: tuple[tuple[str, float], ...] = (
    ("completed", 0.80),
    ("rescheduled", 0.12),
    ("no show", 0.08),
)
EMAIL_OUTCOMES: tuple[tuple[str, float], ...] = (("sent", 0.85), ("replied", 0.15))
TASK_OUTCOMES: tuple[tuple[str, float], ...] = (("completed", 0.85), ("open", 0.15))

# ----- the same labels as index tuples (generator arrays hold indexes into these) ----------------------
INDUSTRY_NAMES: tuple[str, ...] = tuple(name for name, _ in INDUSTRIES)
SEGMENT_NAMES: tuple[str, ...] = tuple(name for name, _ in SEGMENTS)
REGION_NAMES: tuple[str, ...] = (*(r.name for r in REGIONS), FOREIGN_REGION)
COUNTRY_CODES: tuple[str, ...] = ("ID", *dict.fromkeys(c for c, _, _ in FOREIGN_LOCATIONS))
LEAD_SOURCE_LABELS: tuple[str, ...] = tuple(s.label for s in LEAD_SOURCES)
