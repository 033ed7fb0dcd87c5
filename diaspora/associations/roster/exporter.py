"""Exporting an association's members as CSV, streamed: the rows are read in keyset batches in
the order of the (association_id, sort_name, id) index, each batch written out before the next
is read. Memory stays constant, the first row leaves at once whatever the association's size,
and no long-running cursor holds a snapshot open while a slow client downloads."""

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipType
from diaspora.auth.models import User
from diaspora.core.pagination import Ordering, SortKey, paginate
from diaspora.core.spreadsheet import BOM, iso, safe_cell, take
from diaspora.extensions import db
from diaspora.members.models import Profile, ProfileHeritageCountry

CHUNK = 500
# Rows of the export query: its last two columns are the sort name and the membership id.
BY_NAME = Ordering([SortKey(Membership.sort_name, lambda row: row[-2]),
                    SortKey(Membership.id, lambda row: row[-1], kind=int)])
HEADER = ("name", "email", "status", "role", "membership_type", "joined_on", "renews_on",
          "cadre", "specialty", "heritage_countries", "host_country", "host_city")
HERITAGE_SEPARATOR = ";"


def members_query(association_id: int) -> sa.Select:
    """One row per membership of the association, with what the CSV holds, by name (the sort
    keys ride along as the last two columns, for the next batch's cursor)."""
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
            heritage, Profile.host_country, Profile.host_city, Membership.sort_name, Membership.id,
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Profile, Profile.user_id == Membership.user_id)
        .outerjoin(MembershipType, MembershipType.id == Membership.membership_type_id)
        .where(Membership.association_id == association_id)
    )


def members_csv(association_id: int) -> Iterator[str]:
    """The CSV text in pieces: the byte-order mark and header, then one piece per chunk.
    Takes the association's id, not the object: a streamed response is written after the
    request's own session has committed and closed, so the rows come through a new one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + take(buffer)
    query = members_query(association_id)
    after = None
    while True:
        page = paginate(query, BY_NAME, after=after, per_page=CHUNK, scalars=False)
        writer.writerows(_cells(row) for row in page.items)
        yield take(buffer)
        db.session.rollback()  # end the batch's transaction: no snapshot held between batches
        if not page.has_next:
            return
        after = page.next_cursor


def _cells(row) -> list[str]:
    (name, email, status, role, type_name, joined_on, renews_on, cadre, specialty, heritage,
     host_country, host_city, _sort_name, _id) = row
    countries = HERITAGE_SEPARATOR.join(sorted(heritage.split(HERITAGE_SEPARATOR))) if heritage else ""
    return [safe_cell(value) for value in (
        name, email, status, role, type_name or "", iso(joined_on), iso(renews_on), cadre or "",
        specialty or "", countries, host_country or "", host_city or "",
    )]
