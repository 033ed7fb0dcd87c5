"""Exporting an association's members as CSV, streamed: the rows are read in keyset batches in
the order of the (association_id, sort_name, id) index, each batch written out before the next
is read. Memory stays constant, the first row leaves at once whatever the association's size,
and no long-running cursor holds a snapshot open while a slow client downloads.

On PostgreSQL each batch is written by the database itself (`COPY (SELECT ...) TO STDOUT`, the
same SELECT, with the spreadsheet-formula guard in SQL): the export then costs what a COPY of
its SELECT costs, plus one index-only step per batch to find where the batch ends. Elsewhere the
rows are written by Python's csv module."""

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipType
from diaspora.auth.models import User
from diaspora.core.pagination import Ordering, SortKey, beyond, paginate
from diaspora.core.spreadsheet import BOM, iso, safe_cell, safe_text, take
from diaspora.extensions import db
from diaspora.members.models import Profile, ProfileHeritageCountry

CHUNK = 500
COPY_CHUNK = 20000  # rows a COPY writes at a time (one batch: a statement and its transaction)
PIECE = 64 * 1024  # what a COPY's rows are sent on in: the response's pieces stay small
# Rows of the export query: its last two columns are the sort name and the membership id.
BY_NAME = Ordering([SortKey(Membership.sort_name, lambda row: row[-2]),
                    SortKey(Membership.id, lambda row: row[-1], kind=int)])
HEADER = ("name", "email", "status", "role", "membership_type", "joined_on", "renews_on",
          "cadre", "specialty", "heritage_countries", "host_country", "host_city")
HERITAGE_SEPARATOR = ";"


def members_query(association_id: int) -> sa.Select:
    """One row per membership of the association, with what the CSV holds, by name (the sort
    keys ride along as the last two columns, for the next batch's cursor)."""
    return _with_columns(association_id, User.name, User.email, Membership.status, Membership.role,
                         MembershipType.name, Membership.joined_on, Membership.renews_on, Profile.cadre,
                         Profile.specialty, _heritage(sa.func.aggregate_strings(
                             ProfileHeritageCountry.country, HERITAGE_SEPARATOR)),
                         Profile.host_country, Profile.host_city, Membership.sort_name, Membership.id)


def _heritage(aggregate) -> sa.ScalarSelect:
    return (sa.select(aggregate).where(ProfileHeritageCountry.user_id == Membership.user_id)
            .correlate(Membership).scalar_subquery())


def _with_columns(association_id: int, *columns) -> sa.Select:
    return (
        sa.select(*columns)
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
    if db.session.get_bind().dialect.name == "postgresql":
        yield from _copied(association_id)
    else:
        yield from _written(association_id, writer, buffer)


def _written(association_id: int, writer, buffer: io.StringIO) -> Iterator[str]:
    """Batches of CHUNK rows in name order, written by Python's csv module."""
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


# ---------------------------------------------------------------------------- PostgreSQL: COPY


def _copy_query(association_id: int) -> sa.Select:
    """The export's SELECT as the database writes it: text a spreadsheet would take for a formula
    guarded (`safe_text`, as `safe_cell` does in Python), heritage countries in order."""
    heritage = sa.func.string_agg(ProfileHeritageCountry.country,
                                  sa.literal_column(f"'{HERITAGE_SEPARATOR}'")
                                  .op("ORDER BY")(ProfileHeritageCountry.country))
    return _with_columns(association_id, safe_text(User.name), safe_text(User.email), Membership.status,
                         Membership.role, safe_text(MembershipType.name), Membership.joined_on,
                         Membership.renews_on, Profile.cadre, safe_text(Profile.specialty), _heritage(heritage),
                         Profile.host_country, safe_text(Profile.host_city))


def _copied(association_id: int) -> Iterator[str]:
    """Batches of COPY_CHUNK rows in name order (the first of CHUNK, so the first rows leave at
    once), each written by COPY between two keyset cursors: where the batch ends is the
    batch's last key after the previous one (an index-only step); the last batch runs to the end."""
    after, size = None, CHUNK
    while True:
        keys = sa.select(Membership.sort_name, Membership.id).where(Membership.association_id == association_id)
        if after is not None:
            keys = keys.where(beyond(BY_NAME, after))
        end = db.session.execute(keys.order_by(*BY_NAME.order_by()).offset(size - 1).limit(1)).first()
        rows = _copy_query(association_id)
        if after is not None:
            rows = rows.where(beyond(BY_NAME, after))
        if end is not None:
            rows = rows.where(sa.tuple_(Membership.sort_name, Membership.id) <= sa.tuple_(*end))
        yield from _copy(rows.order_by(*BY_NAME.order_by()))
        db.session.rollback()  # end the batch's transaction: no snapshot held between batches
        if end is None:
            return
        after, size = list(end), COPY_CHUNK


def _copy(statement: sa.Select) -> Iterator[str]:
    """The rows COPY writes, in pieces of about PIECE bytes (each whole rows, with CRLF ends)."""
    compiled = statement.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy:
        blocks, size = [], 0
        for block in copy:
            blocks.append(bytes(block))
            size += len(block)
            if size >= PIECE:
                yield b"".join(blocks).decode().replace("\n", "\r\n")
                blocks, size = [], 0
        if blocks:
            yield b"".join(blocks).decode().replace("\n", "\r\n")
