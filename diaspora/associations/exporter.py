"""Exporting an association's members as CSV, streamed: the rows are read from the database
in chunks (`yield_per`) and written out chunk by chunk, never held in memory all at once."""

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipType
from diaspora.auth.models import User
from diaspora.extensions import db
from diaspora.members.models import Profile, ProfileHeritageCountry

BOM = "\ufeff"  # so that Excel reads the file as UTF-8
CHUNK = 500
HEADER = ("name", "email", "status", "role", "membership_type", "joined_on", "renews_on",
          "cadre", "specialty", "heritage_countries", "host_country", "host_city")
HERITAGE_SEPARATOR = ";"
# A cell starting with one of these is a formula to a spreadsheet: it gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def members_query(association_id: int) -> sa.Select:
    """One row per membership of the association, with what the CSV holds, by name."""
    heritage = (
        sa.select(sa.func.aggregate_strings(ProfileHeritageCountry.country, HERITAGE_SEPARATOR))
        .where(ProfileHeritageCountry.user_id == Membership.user_id)
        .correlate(Membership)
        .scalar_subquery()
    )
    return (
        sa.select(
            User.name, User.email, Membership.status, Membership.role, MembershipType.name,
            Membership.joined_on, Membership.renews_on, Profile.cadre, Profile.specialty,
            heritage, Profile.host_country, Profile.host_city,
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Profile, Profile.user_id == Membership.user_id)
        .outerjoin(MembershipType, MembershipType.id == Membership.membership_type_id)
        .where(Membership.association_id == association_id)
        .order_by(sa.func.lower(User.name), Membership.id)
    )


def members_csv(association_id: int) -> Iterator[str]:
    """The CSV text in pieces: the byte-order mark and header, then one piece per chunk.
    Takes the association's id, not the object: a streamed response is written after the
    request's own session has committed and closed, so the rows come through a new one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + _take(buffer)
    result = db.session.execute(members_query(association_id).execution_options(yield_per=CHUNK))
    for rows in result.partitions():
        writer.writerows(_cells(row) for row in rows)
        yield _take(buffer)


def _cells(row) -> list[str]:
    (name, email, status, role, type_name, joined_on, renews_on, cadre, specialty, heritage,
     host_country, host_city) = row
    countries = HERITAGE_SEPARATOR.join(sorted(heritage.split(HERITAGE_SEPARATOR))) if heritage else ""
    return [_safe(value) for value in (
        name, email, status, role, type_name or "", _iso(joined_on), _iso(renews_on), cadre or "",
        specialty or "", countries, host_country or "", host_city or "",
    )]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
