"""Countries and languages from ISO 3166 / ISO 639 through pycountry: never a hand-typed list."""

from functools import cache

import pycountry


@cache
def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, _common_name(c)) for c in pycountry.countries), key=lambda pair: pair[1])


def country_name(code: str | None) -> str:
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    return _common_name(country) if country else code


def is_country(code: str | None) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


def _common_name(country) -> str:
    return getattr(country, "common_name", None) or country.name
