"""The units regulators count CPD in, and every sentence that names an amount of CPD.

A regulator counts in one unit (points, hours, units or credits); an amount is shown and
compared in that unit only. Each sentence is one translated template per unit, with its plural
forms: no unit word is glued into a sentence, since languages agree the words around a number
with it ("1 point", "3 points"; "1,5 heure" in French, "1.5 hours" in English).

    amount(CpdUnit.HOURS, 120)                   "120 hours"
    missing(CpdUnit.HOURS, 97.8, 120)            "Still missing 97.8 of the 120 hours required."
"""

from enum import StrEnum

from babel import Locale

from diaspora.core.i18n import _, _l, current_locale, ngettext
from diaspora.core.numbers import number


class CpdUnit(StrEnum):
    POINTS = "points"
    HOURS = "hours"
    UNITS = "units"
    CREDITS = "credits"


UNIT_LABELS = {CpdUnit.POINTS: _l("Points"), CpdUnit.HOURS: _l("Hours"), CpdUnit.UNITS: _l("Units"),
               CpdUnit.CREDITS: _l("Credits")}
# What a CPD activity's certificate may give besides the hours it took.
ACTIVITY_UNITS = (CpdUnit.POINTS, CpdUnit.CREDITS, CpdUnit.UNITS)


def check_constraint_sql(column: str, allowed=tuple(CpdUnit)) -> str:
    return f"{column} IS NULL OR {column} IN ({', '.join(repr(unit.value) for unit in allowed)})"


def unit_of(value: str | None) -> CpdUnit | None:
    try:
        return CpdUnit(value) if value else None
    except ValueError:
        return None


def plural_operand(value: float) -> int:
    """The whole number that takes the same plural form as `value` in the reader's language:
    gettext chooses among a translation's forms with a whole number, while "1.5" takes the
    plural in English and the singular in French (CLDR's rules, through Babel)."""
    if float(value).is_integer():
        return int(value)
    locale = Locale.parse(current_locale())
    category = locale.plural_form(value)
    return next((n for n in (0, 1, 2, 3, 5, 11, 21, 100, 1_000_000) if locale.plural_form(n) == category), 2)


def _say(templates: dict, unit: CpdUnit, governing: float, **amounts: float) -> str:
    """The sentence for `unit`, its plural chosen by `governing`, its numbers as the reader writes them."""
    return templates[unit](plural_operand(governing), **{name: number(value) for name, value in amounts.items()})


AMOUNT = {
    CpdUnit.POINTS: lambda n, **v: ngettext("%(amount)s point", "%(amount)s points", n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext("%(amount)s hour", "%(amount)s hours", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("%(amount)s unit", "%(amount)s units", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("%(amount)s credit", "%(amount)s credits", n, **v),
}
OF_REQUIRED = {
    CpdUnit.POINTS: lambda n, **v: ngettext("%(counted)s of %(required)s point",
                                            "%(counted)s of %(required)s points", n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext("%(counted)s of %(required)s hour",
                                           "%(counted)s of %(required)s hours", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("%(counted)s of %(required)s unit",
                                           "%(counted)s of %(required)s units", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("%(counted)s of %(required)s credit",
                                             "%(counted)s of %(required)s credits", n, **v),
}
MISSING = {
    CpdUnit.POINTS: lambda n, **v: ngettext("Still missing %(missing)s of the %(required)s point required.",
                                            "Still missing %(missing)s of the %(required)s points required.", n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext("Still missing %(missing)s of the %(required)s hour required.",
                                           "Still missing %(missing)s of the %(required)s hours required.", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("Still missing %(missing)s of the %(required)s unit required.",
                                           "Still missing %(missing)s of the %(required)s units required.", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("Still missing %(missing)s of the %(required)s credit required.",
                                             "Still missing %(missing)s of the %(required)s credits required.",
                                             n, **v),
}
MET = {
    CpdUnit.POINTS: lambda n, **v: ngettext("The requirement for this cycle is met: %(required)s point.",
                                            "The requirement for this cycle is met: %(required)s points.", n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext("The requirement for this cycle is met: %(required)s hour.",
                                           "The requirement for this cycle is met: %(required)s hours.", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("The requirement for this cycle is met: %(required)s unit.",
                                           "The requirement for this cycle is met: %(required)s units.", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("The requirement for this cycle is met: %(required)s credit.",
                                             "The requirement for this cycle is met: %(required)s credits.", n, **v),
}
COUNTED = {
    CpdUnit.POINTS: lambda n, **v: ngettext("%(counted)s point counted in this cycle.",
                                            "%(counted)s points counted in this cycle.", n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext("%(counted)s hour counted in this cycle.",
                                           "%(counted)s hours counted in this cycle.", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("%(counted)s unit counted in this cycle.",
                                           "%(counted)s units counted in this cycle.", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("%(counted)s credit counted in this cycle.",
                                             "%(counted)s credits counted in this cycle.", n, **v),
}
NOT_COUNTED = {
    CpdUnit.POINTS: lambda n, **v: ngettext(
        "%(entries)s entry is listed but not counted: it gives no points, and no conversion to points is known.",
        "%(entries)s entries are listed but not counted: they give no points, and no conversion to points is known.",
        n, **v),
    CpdUnit.HOURS: lambda n, **v: ngettext(
        "%(entries)s entry is listed but not counted: it gives no hours.",
        "%(entries)s entries are listed but not counted: they give no hours.", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext(
        "%(entries)s entry is listed but not counted: it gives no units, and no conversion to units is known.",
        "%(entries)s entries are listed but not counted: they give no units, and no conversion to units is known.",
        n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext(
        "%(entries)s entry is listed but not counted: it gives no credits, and no conversion to credits is known.",
        "%(entries)s entries are listed but not counted: they give no credits, and no conversion to credits is known.",
        n, **v),
}
# A conversion the regulator's source gives: one of its units is worth so many hours.
CONVERSION = {
    CpdUnit.POINTS: lambda n, **v: ngettext("1 point stands for %(hours)s hour of CPD.",
                                            "1 point stands for %(hours)s hours of CPD.", n, **v),
    CpdUnit.UNITS: lambda n, **v: ngettext("1 unit stands for %(hours)s hour of CPD.",
                                           "1 unit stands for %(hours)s hours of CPD.", n, **v),
    CpdUnit.CREDITS: lambda n, **v: ngettext("1 credit stands for %(hours)s hour of CPD.",
                                             "1 credit stands for %(hours)s hours of CPD.", n, **v),
}


def amount(unit: CpdUnit, value: float) -> str:
    return _say(AMOUNT, unit, value, amount=value)


def of_required(unit: CpdUnit, counted: float, required: float) -> str:
    return _say(OF_REQUIRED, unit, required, counted=counted, required=required)


def missing(unit: CpdUnit, still_missing: float, required: float) -> str:
    return _say(MISSING, unit, required, missing=still_missing, required=required)


def met(unit: CpdUnit, required: float) -> str:
    return _say(MET, unit, required, required=required)


def counted(unit: CpdUnit, value: float) -> str:
    return _say(COUNTED, unit, value, counted=value)


def not_counted(unit: CpdUnit, entries: int) -> str:
    return NOT_COUNTED[unit](entries, entries=number(entries))


def conversion(unit: CpdUnit, hours_per_unit: float) -> str:
    return _say(CONVERSION, unit, hours_per_unit, hours=hours_per_unit)


def requirement_of(regulator) -> str:
    """A regulator's requirement per cycle as a reader reads it: "120 hours", else what is unknown."""
    required, unit = regulator.cpd_required_per_cycle, regulator.unit
    if required is None:
        return _("Unknown")
    if unit is None:
        return _("%(required)s, in a unit we do not know", required=number(required))
    return amount(unit, required)


def conversion_of(regulator) -> str | None:
    """The conversion from hours the regulator's source gives, said in its unit; None where none
    applies (a regulator counting hours, or one whose unit is unknown)."""
    unit = regulator.unit
    if unit is None or unit == CpdUnit.HOURS:
        return None
    if regulator.cpd_hours_per_unit is None:
        return _("None in the source: hours are not converted, so only what is given in this unit counts.")
    return conversion(unit, regulator.cpd_hours_per_unit)
