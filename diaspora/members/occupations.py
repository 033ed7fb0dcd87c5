"""Our cadres in ISCO-08, the International Standard Classification of Occupations that WHO's
National Health Workforce Accounts count by: the unit group where one fits, else the minor or
sub-major group that holds it (docs/standards.md says which figures this informs)."""

ISCO_08 = "http://www.ilo.org/public/english/bureau/stat/isco/isco08"
ISCO = {
    "doctor": ("221", "Medical doctors"),
    "nurse": ("2221", "Nursing professionals"),
    "midwife": ("2222", "Midwifery professionals"),
    "pharmacist": ("2262", "Pharmacists"),
    "dentist": ("2261", "Dentists"),
    "allied_health": ("226", "Other health professionals"),
    "laboratory_scientist": ("3212", "Medical and pathology laboratory technicians"),
    "public_health": ("2269", "Health professionals not elsewhere classified"),
    "community_health": ("3253", "Community health workers"),
    "other": ("22", "Health professionals"),
}


def isco_code(cadre: str | None) -> str:
    """The ISCO-08 code of a cadre, or "" when none was given."""
    return ISCO[cadre][0] if cadre in ISCO else ""
