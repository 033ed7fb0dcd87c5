"""The member directory: filters, search and sorting over what the policy lets a user see.

`page(...)` takes the base select from `policy.directory_scope` (memberships of one
association, joined to their user and outer-joined to their profile), narrows it, and cuts one
keyset page of plain rows: everything a page shows comes in one statement (countries and skills
aggregated in it), with no ORM objects to build.

Orderings are indexes: (association_id, sort_name, id) by name, (association_id, created_at,
id) newest first, each with a status in front where the list filters on one. Search looks in
`memberships.search_text` (the member's folded name, specialty and skills; the name indexes
hold it too) for every word typed, each anywhere in it (`matches`: "mensah abena" finds Abena
Mensah), and finds a page of matches in one of these ways:
* by name (the usual order), through the words' index (roster/words.py): for each word typed
  of three letters or more, the few stored words that contain it (at most `words.MOST_WORDS`).
  One word typed: each stored word's members a page at a time in name order, merged, so a family
  name shared by thousands costs what a rare name costs. Several (PostgreSQL): a leapfrog over
  their members in name order (`_hops`), checking each member who has them all; a full name's
  holders sit together in the list, so a page costs a few steps per member shown however many
  share each word. After `HOPS` steps with the page still short (common words that few have
  together), the page shows what the walk found and goes on from where it stopped (`_way_on`).
* otherwise (only short words or words in too many stored words, newest first, several words
  on SQLite), by what the planner expects the search to match in the whole table (`_rare`): a
  rare one (a person's full name) through the trigram index, sorting the few matches; a common
  one by walking the list's index in order, checking each row, for at most `WINDOW` rows,
  stopping as soon as the page is full, and turning to the trigram index only when the window
  ends with the page still short."""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from markupsafe import Markup, escape

from diaspora.associations.models import Membership, MembershipType, MembershipWord
from diaspora.associations.roster import words
from diaspora.auth.models import User
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, _l
from diaspora.core.pagination import (
    Ordering,
    Page,
    SortKey,
    beyond,
    decode,
    encode,
    estimated_rows,
    page_from_rows,
    paginate,
    paginate_kept,
)
from diaspora.core.text import contains_folded, fold, like_pattern
from diaspora.core.time import long_date
from diaspora.members.models import CADRES, Profile, ProfileHeritageCountry, ProfileSkill, Skill

SORTS = {
    "name": _l("Name"),
    "newest": _l("Newest members first"),
}
DEFAULT_SORT = "name"
PER_PAGE = 25
WINDOW = 50_000  # rows of the ordered index a search walks before it turns to the trigram index
# Newest first, whose index does not hold the search text: each row walked is a table read.
WINDOW_NEWEST = 2_000
HOPS = 200  # steps of a search for several words through their members before it hands over (`_hops`)
RARE = PER_PAGE  # the walk's rows per match of a page, against the trigram index's rows (`_rare`)
_TABLE_ROWS: dict = {"rows": 0, "at": None}

ORDERINGS = {
    "name": Ordering([
        SortKey(Membership.sort_name, lambda m: m.sort_name),
        SortKey(Membership.id, lambda m: m.id, kind=int),
    ]),
    "newest": Ordering([
        SortKey(Membership.created_at, lambda m: m.created_at, descending=True, kind=datetime),
        SortKey(Membership.id, lambda m: m.id, descending=True, kind=int),
    ]),
}


@dataclass
class Member:
    """One row of the directory, as the page shows it."""

    id: int
    sort_name: str
    created_at: datetime
    status: str
    role: str
    renews_on: date | None
    name: str
    email: str
    cadre: str | None
    specialty: str | None
    type_name: str | None
    heritage: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)

    @property
    def cadre_label(self) -> str:
        return str(CADRES.get(self.cadre or "", ""))


def _heritage():
    return (sa.select(sa.func.aggregate_strings(ProfileHeritageCountry.country, ","))
            .where(ProfileHeritageCountry.user_id == Membership.user_id)
            .correlate(Membership).scalar_subquery().label("heritage"))


def _skills():
    return (sa.select(sa.func.aggregate_strings(Skill.name, "|")).select_from(ProfileSkill)
            .join(Skill, Skill.id == ProfileSkill.skill_id)
            .where(ProfileSkill.user_id == Membership.user_id)
            .correlate(Membership).scalar_subquery().label("skills"))


def matches(search_text, q: str):
    """What a search means: every word typed (`q`, folded) is somewhere in the member's folded
    search text, in any order, each a plain substring (`core.text.contains_folded`)."""
    return sa.and_(*(contains_folded(search_text, word) for word in dict.fromkeys(q.split(" "))))


def listing(base: sa.Select, **filters) -> sa.Select:
    """`base` narrowed by the filters that are set (None or "" means any), as rows of columns."""
    return _narrowed(base, **filters).outerjoin(
        MembershipType, MembershipType.id == Membership.membership_type_id).with_only_columns(
        Membership.id, Membership.sort_name, Membership.created_at, Membership.status, Membership.role,
        Membership.renews_on, User.name, User.email, Profile.cadre, Profile.specialty,
        MembershipType.name.label("type_name"), _heritage(), _skills())


def _narrowed(query: sa.Select, *, q: str | None = None, cadre: str | None = None, heritage: str | None = None,
              status: str | None = None) -> sa.Select:
    q = fold(q or "")
    if q:
        query = query.where(matches(Membership.search_text, q))
    if cadre:
        query = query.where(Profile.cadre == cadre)
    if heritage:
        query = query.where(sa.exists().where(ProfileHeritageCountry.user_id == Membership.user_id,
                                              ProfileHeritageCountry.country == heritage.upper()))
    if status:
        query = query.where(Membership.status == status)
    return query


def ordering(sort: str | None) -> Ordering:
    return ORDERINGS.get(sort or DEFAULT_SORT, ORDERINGS[DEFAULT_SORT])


def page(base: sa.Select, association_id: int, *, statuses: list[str] | None, filters: dict, sort: str | None,
         after: str | None, before: str | None, per_page: int = PER_PAGE) -> Page:
    """One page of the directory. `statuses`: the membership statuses the viewer may see at all
    (None: any), which bound the search's window."""
    chosen = ordering(sort)
    narrowing = {key: value for key, value in filters.items() if key != "sort"}
    q = fold(narrowing.pop("q", None) or "")
    if not q:
        return _listed(base, narrowing, chosen, after, before, per_page)
    if chosen is ORDERINGS["name"]:
        vocabularies = words.vocabularies(q)
        if vocabularies is not None:
            found = _through_words(base, association_id, narrowing, q, vocabularies, after, before, per_page)
            if found is not None:
                return found
    searched = listing(base, q=q, **narrowing)
    if _rare(q):
        return _through_trigrams(searched, chosen, after, before, per_page)
    window_statuses = [narrowing["status"]] if narrowing.get("status") else statuses
    backwards = bool(before) and not after
    cursor = decode(before if backwards else after, chosen)
    rows = WINDOW_NEWEST if chosen is ORDERINGS["newest"] else WINDOW
    window = _window(association_id, window_statuses, chosen, cursor, backwards, rows)
    walked = listing(base, **narrowing).join(window, window.c.id == Membership.id).where(
        matches(window.c.search_text, q))
    found = paginate(walked, _over(window, chosen), after=after, before=before, per_page=per_page, scalars=False)
    if (found.has_prev if backwards else found.has_next) or not _window_full(window, rows):
        return _members(found)
    return _through_trigrams(searched, chosen, after, before, per_page)


def _listed(base: sa.Select, narrowing: dict, chosen: Ordering, after: str | None, before: str | None,
            per_page: int) -> Page:
    """A page of the list with no words typed, through a statement kept per shape
    (`pagination.paginate_kept`: the scope, as `_scope_of` names it, the filters and the order):
    every page of the directory sends it."""
    sort = next(name for name, known in ORDERINGS.items() if known is chosen)
    shape = ("listed", *_scope_of(base), tuple(sorted(narrowing.items())), sort)
    return _members(paginate_kept(_LISTED, shape, lambda: listing(base, **narrowing), {}, chosen, after=after,
                                  before=before, per_page=per_page, scalars=False, unique=False))


_LISTED: dict = {}  # the list's statements, per shape (`pagination.paginate_kept`)


def _through_words(base: sa.Select, association_id: int, narrowing: dict, q: str, vocabularies: list[list[str]],
                   after: str | None, before: str | None, per_page: int) -> Page | None:
    """The page through the words' index, in name order. One word typed: the members of the words
    containing it, merged. Several: a leapfrog over the members of each (`_hops`, PostgreSQL;
    None on SQLite, where the caller goes by the planner's estimate); if it leaves the page short
    after `HOPS` steps (those who have every word are spread thin among those who have one), the
    page says so and goes on from there (`_way_on`)."""
    backwards = bool(before) and not after
    cursor = decode(before if backwards else after, ORDERINGS["name"])
    if not all(vocabularies):
        return Page(items=[], per_page=per_page)  # a word typed is in nobody's search text
    if " " not in q:
        return _merged(base, association_id, narrowing, vocabularies[0], cursor, backwards, per_page)
    if not _hops_serve():
        return None
    return _through_hops(base, association_id, narrowing, q, vocabularies, cursor, backwards, per_page)


def _merged(base: sa.Select, association_id: int, narrowing: dict, vocabulary: list[str], cursor: list | None,
            backwards: bool, per_page: int) -> Page:
    """The members who have one of `vocabulary`'s words (those containing the word typed), in name
    order: for each word, the page's worth of its members after the cursor, read in order from
    the words' primary key; then those few merged. The statement is kept per shape
    (`_kept_statement`): the words (`merged_word_n`) and the cursor are its bound parameters."""
    from diaspora.extensions import db

    def build() -> sa.Select:
        by_word = Ordering([SortKey(MembershipWord.sort_name, lambda m: m.sort_name),
                            SortKey(MembershipWord.membership_id, lambda m: m.id, kind=int)])
        after = [sa.bindparam("merged_from_name", type_=sa.String), sa.bindparam("merged_from_id", type_=sa.Integer)]
        parts = []
        for number in range(len(vocabulary)):
            # No check of the search text: every member with a word containing what was typed matches.
            part = (listing(base, **narrowing).join(MembershipWord, MembershipWord.membership_id == Membership.id)
                    .where(MembershipWord.word == sa.bindparam(f"merged_word_{number}", type_=sa.String),
                           MembershipWord.association_id == association_id))
            if cursor is not None:
                part = part.where(beyond(by_word, after, backwards))
            part = part.order_by(*by_word.order_by(reverse=backwards)).limit(per_page + 1).subquery(f"word_{number}")
            parts.append(sa.select(*part.c))
        merged = sa.union(*parts).subquery("found") if len(parts) > 1 else parts[0].subquery("found")
        found = sa.select(*merged.c).order_by(*_over(merged, ORDERINGS["name"]).order_by(reverse=backwards))
        return found.limit(per_page + 1)

    statement = _kept_statement(base, ("merged", association_id, tuple(sorted(narrowing.items())), len(vocabulary),
                                       cursor is not None, backwards, per_page), build)
    parameters = {f"merged_word_{number}": word for number, word in enumerate(vocabulary)}
    if cursor is not None:
        parameters.update(merged_from_name=cursor[0], merged_from_id=cursor[1])
    rows = db.session.execute(statement, parameters).all()
    return _members(page_from_rows(rows, ORDERINGS["name"], cursor=cursor, backwards=backwards, per_page=per_page))


def _hops_serve() -> bool:
    """`_hops` is written with LATERAL joins, which SQLite does not have (there several words go
    by the planner's estimate, as before)."""
    from diaspora.extensions import db

    return db.session.get_bind().dialect.name == "postgresql"


def _through_hops(base: sa.Select, association_id: int, narrowing: dict, q: str, vocabularies: list[list[str]],
                  cursor: list | None, backwards: bool, per_page: int) -> Page:
    """The members whose search text contains every word of `q`, in name order, found by
    stepping through the members of its words together (`_hops`) and checking the search text,
    the scope and the filters on each member they share; at most `HOPS` steps a page. The statement
    is built once per shape (`_hops_statement`); the words and the cursor are its parameters."""
    from diaspora.extensions import db

    typed = list(dict.fromkeys(q.split(" ")))
    statement = _hops_statement(base, association_id, narrowing, len(typed), [len(words) for words in vocabularies],
                                backwards, per_page)
    start_name, start_id = cursor if cursor is not None else ("", -1)  # before every row
    parameters = {"hops_from_name": start_name, "hops_from_id": start_id}
    parameters.update({f"hops_typed_{number}": like_pattern(word) for number, word in enumerate(typed)})
    parameters.update({f"hops_word_{number}_{index}": word for number, vocabulary in enumerate(vocabularies)
                       for index, word in enumerate(vocabulary)})
    rows = db.session.execute(statement, parameters).all()
    members = [row for row in rows if row.id is not None]
    found = _members(page_from_rows(members, ORDERINGS["name"], cursor=cursor, backwards=backwards,
                                    per_page=per_page))
    cut_short = len(members) <= per_page and rows[0].steps >= HOPS
    return _way_on(found, rows[0] if cut_short else None, cursor, backwards)


def _way_on(found: Page, walked, cursor: list | None, backwards: bool) -> Page:
    """The links of a page of `_through_hops`. A walk that took its `HOPS` steps before the page
    was full (`walked`: where it stopped) shows what it found and goes on from where it stopped,
    so that no page costs more than `HOPS` steps however many members share each word (issue
    17: the trigram index, which served these before, reads more as the list grows); each page
    goes on exactly where the one before stopped, so a member is on one page of a search or does
    not match it. Such pages can be empty: the way back from one includes the member at its
    cursor. `extra["cut_short"]` tells the page to say why it is short."""
    ordering = ORDERINGS["name"]
    if cursor is not None and not found.items:
        back = encode(ordering, SimpleNamespace(sort_name=cursor[0], id=cursor[1] + (-1 if backwards else 1)))
        if backwards:
            found.next_cursor = back
        else:
            found.prev_cursor = back
    if walked is not None:
        reached = encode(ordering, SimpleNamespace(sort_name=walked.reached_name, id=walked.reached_id))
        if backwards:
            found.prev_cursor = reached
        else:
            found.next_cursor = reached
        found.extra["cut_short"] = True
    return found


def _scope_of(base: sa.Select) -> tuple:
    """What makes two scopes' statements differ: `base`'s structure and its values (the
    association, the viewer)."""
    scope = base._generate_cache_key()
    return scope.key, tuple(bound.effective_value for bound in scope.bindparams)


_STATEMENTS: OrderedDict = OrderedDict()  # shape: statement (`_kept_statement`), the latest used last
STATEMENTS_KEPT = 256
_STATEMENTS_LOCK = threading.Lock()


def _kept_statement(base: sa.Select, shape: tuple, build) -> sa.Select:
    """The statement `build()` makes for a search of this shape, built once and kept (the latest
    `STATEMENTS_KEPT`): SQLAlchemy builds and walks the statements of a search through the words'
    index in several milliseconds, as much as the rest of the page. The shape is the scope
    (`base`: its structure and its values, the association and the viewer) and what `shape`
    names (the filters, how many words, the direction, the page size ...); what varies within a
    shape (the words, the cursor) goes in as bound parameters, so that one statement serves every
    search of that shape, and SQLAlchemy's compiled cache finds it without walking it again."""
    key = (*_scope_of(base), *shape)
    with _STATEMENTS_LOCK:
        statement = _STATEMENTS.get(key)
        if statement is not None:
            _STATEMENTS.move_to_end(key)
            return statement
    statement = build()
    with _STATEMENTS_LOCK:
        _STATEMENTS[key] = statement
        while len(_STATEMENTS) > STATEMENTS_KEPT:
            _STATEMENTS.popitem(last=False)
    return statement


def _hops_statement(base: sa.Select, association_id: int, narrowing: dict, typed: int, vocabulary_sizes: list[int],
                    backwards: bool, per_page: int) -> sa.Select:
    """`_through_hops`' statement, kept per shape (`_kept_statement`: the scope, the filters, how
    many words were typed and how many stored words each has, the direction, the page size and
    `HOPS`). Bound parameters: the typed words (`hops_typed_n`, as LIKE patterns), the stored
    words (`hops_word_n_i`) and the start (`hops_from_name`, `hops_from_id`)."""
    def build() -> sa.Select:
        typed_patterns = [sa.bindparam(f"hops_typed_{number}", type_=sa.String) for number in range(typed)]

        def shown(membership_id):
            searched = _narrowed(base, **narrowing).where(
                *(Membership.search_text.like(pattern, escape="\\") for pattern in typed_patterns))
            return searched.with_only_columns(sa.literal(1)).where(Membership.id == membership_id).exists()

        vocabularies = [[f"hops_word_{number}_{index}" for index in range(size)]
                        for number, size in enumerate(vocabulary_sizes)]
        by_name = ORDERINGS["name"]
        hops = _hops(association_id, vocabularies, backwards, shown, per_page)
        walked = (sa.select(hops.c.steps, hops.c.sort_name.label("reached_name"), hops.c.id.label("reached_id"))
                  .order_by(hops.c.steps.desc()).limit(1).subquery("walked"))
        found = (listing(base, **narrowing).join(hops, sa.and_(hops.c.id == Membership.id, hops.c.matched))
                 .order_by(*by_name.order_by(reverse=backwards)).limit(per_page + 1).subquery("found"))
        return (sa.select(walked.c.steps, walked.c.reached_name, walked.c.reached_id, *found.c)
                .select_from(walked.outerjoin(found, sa.true()))
                .order_by(*_over(found, by_name).order_by(reverse=backwards)))

    return _kept_statement(base, ("hops", association_id, tuple(sorted(narrowing.items())), typed,
                                  tuple(vocabulary_sizes), backwards, per_page, HOPS), build)


def _hops(association_id: int, vocabularies: list[list[str]], backwards: bool, shown,
          per_page: int) -> sa.CTE:
    """A leapfrog over the typed words' members in name order (the reverse going back), each
    read from `membership_words`' key: a step seeks the first word's next member after the
    position, then each other word's first member at or after the one before; when all are the
    same member, it is a candidate (`shown` checks it) and the next step starts after it; else
    the next step starts at the last word's member, skipping every member in between, who lacks
    one of the words. Members with all the words sit together in name order, as a full name
    does, so a page costs a few steps per member shown, however many share each word. It ends
    when a word has no member left, when `per_page + 1` members are shown, or after `HOPS` steps.
    Rows: the position after each step (sort_name, id), whether that member matched, the steps
    taken and the members shown before it. `vocabularies` holds the names of the bound parameters
    that carry the stored words; the start (`hops_from_name`, `hops_from_id`) is bound too: ("", -1),
    before every row, when there is no cursor."""
    hops = sa.select(sa.cast(sa.bindparam("hops_from_name", type_=sa.String), sa.String).label("sort_name"),
                     sa.cast(sa.bindparam("hops_from_id", type_=sa.Integer), sa.Integer).label("id"),
                     sa.false().label("matched"),
                     sa.literal(0).label("steps"), sa.literal(0).label("found")).cte("hops", recursive=True)
    position = (hops.c.sort_name, hops.c.id)
    seeks = []
    for number, vocabulary in enumerate(vocabularies):
        seek = _seek(association_id, vocabulary, position, backwards, inclusive=number > 0, name=f"seek_{number}")
        seeks.append(seek)
        position = (seek.c.sort_name, seek.c.membership_id)
    first, last = seeks[0], seeks[-1]
    same = last.c.membership_id == first.c.membership_id
    # The next step seeks strictly past its position; one id short of `last` (ids are whole
    # numbers), it lands on `last` again.
    short_of_last = last.c.membership_id + (1 if backwards else -1)
    shown_so_far = hops.c.found + sa.case((hops.c.matched, 1), else_=0)
    following = sa.select(
        sa.cast(last.c.sort_name, sa.String),
        sa.case((same, last.c.membership_id), else_=short_of_last),
        sa.case((same, shown(last.c.membership_id)), else_=sa.false()),
        hops.c.steps + 1,
        shown_so_far,
    ).select_from(hops)
    for seek in seeks:
        following = following.join(seek, sa.true())
    return hops.union_all(following.where(hops.c.steps < HOPS, shown_so_far <= per_page))


def _seek(association_id: int, vocabulary: list[str], position: tuple, backwards: bool, inclusive: bool,
          name: str) -> sa.Lateral:
    """The first member after `position` (or at it, when inclusive) in name order (the reverse
    going back) who has one of `vocabulary`'s words (the names of the bound parameters that carry
    them): one step down the words' key per word."""
    def first_with(word: str) -> sa.Select:
        stored = MembershipWord.__table__.alias()
        key, bound = sa.tuple_(stored.c.sort_name, stored.c.membership_id), sa.tuple_(*position)
        if backwards:
            beyond = key <= bound if inclusive else key < bound
        else:
            beyond = key >= bound if inclusive else key > bound
        order = [stored.c.sort_name.desc(), stored.c.membership_id.desc()] if backwards else [
            stored.c.sort_name, stored.c.membership_id]
        # Correlated to the steps and the seeks before, however deep the union nests it.
        return (sa.select(stored.c.sort_name, stored.c.membership_id)
                .where(stored.c.word == sa.bindparam(word, type_=sa.String), stored.c.association_id == association_id,
                       beyond)
                .order_by(*order).limit(1).correlate_except(stored))

    if len(vocabulary) == 1:
        return first_with(vocabulary[0]).lateral(name)
    each = sa.union_all(*(sa.select(*first_with(word).subquery().c) for word in vocabulary)).subquery()
    order = [each.c.sort_name.desc(), each.c.membership_id.desc()] if backwards else [
        each.c.sort_name, each.c.membership_id]
    return sa.select(each.c.sort_name, each.c.membership_id).order_by(*order).limit(1).lateral(name)


def _rare(q: str) -> bool:
    """Whether reading every match through the trigram index and sorting them is expected to
    cost less than walking the list until a page is full. With m of the table's n rows matching
    (the planner's estimates), the walk reads about PER_PAGE * n / m rows and the trigram index
    about m: the index wins when m * m < PER_PAGE * n. Never on SQLite, whose planner does not
    say: there the walk serves every search. For several words, m is the longest word's: no
    fewer rows have them all, and the planner's estimate for all of them, which multiplies their
    shares as if they were independent, is far too few for the words of one specialty ("critical
    care") or one name."""
    longest = max(q.split(" "), key=len)
    expected = estimated_rows(sa.select(Membership.id).where(contains_folded(Membership.search_text, longest)))
    return expected is not None and expected * expected < RARE * _table_rows()


def _table_rows() -> int:
    """The planner's estimate of all memberships, read at most once a minute per process."""
    now = time.monotonic()
    if _TABLE_ROWS["at"] is None or now - _TABLE_ROWS["at"] > 60:
        _TABLE_ROWS.update(rows=estimated_rows(sa.select(Membership.id)) or 0, at=now)
    return _TABLE_ROWS["rows"]


def _window(association_id: int, statuses: list[str] | None, chosen: Ordering, cursor: list | None,
            backwards: bool, rows: int) -> sa.Subquery:
    """The next `rows` rows of the association's list from the cursor, in order: a walk of the
    ordering's index (index-only by name)."""
    query = sa.select(Membership.id, Membership.sort_name, Membership.created_at, Membership.search_text).where(
        Membership.association_id == association_id)
    if statuses:
        query = query.where(Membership.status.in_(statuses))
    if cursor is not None:
        query = query.where(beyond(chosen, cursor, backwards))
    return query.order_by(*chosen.order_by(reverse=backwards)).limit(rows).subquery("window")


def _over(window: sa.Subquery, chosen: Ordering) -> Ordering:
    """The same order, on the window's columns, so that the database keeps the walk's order
    instead of sorting the window."""
    return Ordering([replace(key, column=window.c[key.column.key]) for key in chosen.keys])


def _window_full(window: sa.Subquery, rows: int) -> bool:
    """Whether the list goes on past the window (so the walk may have missed matches)."""
    from diaspora.extensions import db

    counted = sa.select(sa.func.count()).select_from(window)
    return db.session.scalar(counted) >= rows


def _through_trigrams(searched: sa.Select, chosen: Ordering, after: str | None, before: str | None,
                      per_page: int) -> Page:
    return _members(paginate(searched, _unindexed(chosen), after=after, before=before, per_page=per_page,
                             scalars=False))


def _unindexed(chosen: Ordering) -> Ordering:
    """The same order, written so that the database does not walk the ordering's index (it
    filters through the trigram index, then sorts the matches)."""
    return Ordering([SortKey(sa.func.coalesce(key.column, key.column), key.value, key.descending, key.kind)
                     for key in chosen.keys])


def _members(found: Page) -> Page:
    found.items = [Member(
        id=row.id, sort_name=row.sort_name, created_at=row.created_at, status=row.status, role=row.role,
        renews_on=row.renews_on, name=row.name, email=row.email, cadre=row.cadre, specialty=row.specialty,
        type_name=row.type_name, heritage=sorted((row.heritage or "").split(",")) if row.heritage else [],
        skills=sorted((row.skills or "").split("|")) if row.skills else [],
    ) for row in found.items]
    return found


class _Named(dict):
    """Names worked out once per page (a country or cadre each member of a page may share)."""

    def __init__(self, name_of):
        super().__init__()
        self.name_of = name_of

    def __missing__(self, key):
        self[key] = name = self.name_of(key)
        return name


def rows_html(members: list[Member], officer: bool, member_url: str, states) -> Markup:
    """The directory's rows (associations/directory.html), written in one pass: in the template
    each of a page's 25 rows cost a few hundred calls (a cell, an escape, a filter at a time).
    `member_url`: a member page's address without its id; `states`: the membership states (their
    labels and tones); the officer's columns (status, membership) only for an officer."""
    label = {"name": escape(_("Name")), "cadre": escape(_("Cadre and specialty")),
             "heritage": escape(_("Heritage countries")), "skills": escape(_("Skills")),
             "status": escape(_("Status")), "membership": escape(_("Membership")), "officer": escape(_("Officer")),
             "none": escape(_("None")), "no_expiry": escape(_("No expiry"))}
    status_labels = {value: escape(states.label(value)) for value in states.values}
    member_url = escape(member_url)
    countries, cadres = _Named(country_name), _Named(lambda cadre: str(CADRES.get(cadre or "", "")))
    renews_on = _("Renews on %(date)s")
    parts = []
    for member in members:
        name = escape(member.name)
        if officer:
            who = (f'<a href="{member_url}{member.id}"><bdi>{name}</bdi></a><br>'
                   f'<span class="hint">{escape(member.email)}</span>')
        else:
            who = f"<bdi>{name}</bdi>"
        specialty = f'<br><span class="hint">{escape(member.specialty)}</span>' if member.specialty else ""
        heritage = escape(", ".join(countries[code] for code in member.heritage))
        skills = "".join(f'<span class="tag">{escape(skill)}</span>' for skill in member.skills)
        parts.append(f'<tr><td data-label="{label["name"]}">{who}</td>'
                     f'<td data-label="{label["cadre"]}">{escape(cadres[member.cadre])}{specialty}</td>'
                     f'<td data-label="{label["heritage"]}">{heritage}</td>'
                     f'<td data-label="{label["skills"]}">{skills}</td>')
        if officer:
            role = f' <span class="tag">{label["officer"]}</span>' if member.role == "officer" else ""
            status = member.status
            renews = (escape(renews_on % {"date": long_date(member.renews_on)}) if member.renews_on
                      else label["no_expiry"])
            parts.append(f'<td data-label="{label["status"]}"><span class="badge badge--{escape(states.tone(status))}">'
                         f'{status_labels.get(status, escape(states.label(status)))}</span>{role}</td>'
                         f'<td data-label="{label["membership"]}">{escape(member.type_name or label["none"])}<br>'
                         f'<span class="hint">{renews}</span></td>')
        parts.append("</tr>")
    return Markup("".join(parts))
