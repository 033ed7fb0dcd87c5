"""Countries from ISO 3166 through pycountry (never a hand-typed list), named in the reader's
language with pycountry's own translations (iso3166-1), and sorted as the reader expects.
Names are computed once per language and kept: a list page names hundreds of countries."""

import gettext
from functools import cache

import pycountry

from diaspora.core.text import fold


def _locale() -> str:
    from diaspora.core.i18n import current_locale

    return current_locale()


def _translator(domain: str, locale: str):
    """pycountry's translations of the ISO standard `domain` ("iso3166-1") into `locale`."""
    if locale == "en":
        return str
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True).gettext


@cache
def _names(locale: str) -> dict[str, str]:
    translate = _translator("iso3166-1", locale)
    return {country.alpha_2: translate(getattr(country, "common_name", None) or country.name)
            for country in pycountry.countries}


@cache
def _choices(locale: str) -> list[tuple[str, str]]:
    return sorted(_names(locale).items(), key=lambda pair: fold(pair[1]))


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for every country, by name, in the reader's language."""
    return _choices(_locale())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _names(_locale()).get(code.upper(), code)


def is_country(code: str | None) -> bool:
    return bool(code) and code.upper() in _names("en")


@cache
def _region_names(locale: str) -> dict[str, str]:
    translate = _translator("iso3166-2", locale)
    return {subdivision.code: translate(subdivision.name) for subdivision in pycountry.subdivisions}


def region_name(code: str | None) -> str:
    """An ISO 3166-2 region's name in the reader's language ("GH-AH": "Ashanti"), else the code."""
    if not code:
        return ""
    return _region_names(_locale()).get(code.upper(), code)


def place_name(region: str | None, country: str | None) -> str:
    """"Ashanti, Ghana": the region (if any) and the country, named in the reader's language."""
    return ", ".join(part for part in (region_name(region), country_name(country)) if part)
