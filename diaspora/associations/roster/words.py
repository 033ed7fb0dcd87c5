"""The words of members' search text, kept for the directory's search (roster/directory.py).

`membership_words` holds each word of each membership's search text with the membership's
place in its association's name order, so the members with a given word come a page at a time,
in order, from the primary key (word, association_id, sort_name, membership_id). `search_words`
holds each word once, with a trigram index: a search finds there the few words that contain
each word typed, then reads their members in order (roster/directory.py).

Both are made again whenever a member's search text is (`refresh`, from
`models.refresh_member_text`). A word that no membership has any longer leaves `search_words`
(a family name after its only holder deleted their account). On PostgreSQL that removal takes a
SHARE lock on `membership_words` first, and `refresh` writes a membership's words before it adds
them to `search_words`: so a word another transaction is adding at the same moment is either
seen and kept, or added back after the removal; never left out of `search_words` while a
membership has it, which would hide that member from searches."""

import functools

import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipWord, SearchWord
from diaspora.core.text import like_pattern, words_of
from diaspora.extensions import db

_M, _W, _S = Membership.__table__, MembershipWord.__table__, SearchWord.__table__


def refresh(connection, texts: dict[int, str]) -> None:
    """{user_id: search text}: the words of those users' memberships, made again."""
    memberships = connection.execute(sa.select(_M.c.id, _M.c.user_id, _M.c.association_id, _M.c.sort_name)
                                     .where(_M.c.user_id.in_(list(texts)))).all()
    had = _remove(connection, [membership.id for membership in memberships])
    rows = [{"word": word, "association_id": membership.association_id, "sort_name": membership.sort_name,
             "membership_id": membership.id}
            for membership in memberships for word in words_of(texts[membership.user_id])]
    has = {row["word"] for row in rows}
    if rows:
        connection.execute(sa.insert(_W), rows)
        _add_to_vocabulary(connection, has)
    _drop_unused(connection, had - has)


def forget(connection, membership_ids: list[int]) -> None:
    """Deleted memberships' words."""
    _drop_unused(connection, _remove(connection, membership_ids))


def _remove(connection, membership_ids: list[int]) -> set[str]:
    """Delete the memberships' words; the words they held."""
    if not membership_ids:
        return set()
    return set(connection.scalars(sa.delete(_W).where(_W.c.membership_id.in_(membership_ids))
                                  .returning(_W.c.word)))


def _add_to_vocabulary(connection, words: set[str]) -> None:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    connection.execute(insert(_S).on_conflict_do_nothing(), [{"word": word} for word in sorted(words)])


def _unused(words):
    return sa.and_(_S.c.word.in_(sorted(words)), ~sa.exists().where(_W.c.word == _S.c.word))


def _drop_unused(connection, words: set[str]) -> None:
    if not words:
        return
    if not connection.scalar(sa.select(sa.literal(1)).where(_unused(words)).limit(1)):
        return  # still used by others: the usual case, and no lock taken
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE membership_words IN SHARE MODE")
    connection.execute(sa.delete(_S).where(_unused(words)))


MOST_WORDS = 20  # words containing a typed word that a search merges, at most
SHORTEST = 3  # a trigram index cannot serve less
PHRASE_WORDS = 4  # typed words whose members a search of several words steps through together, at most


def vocabularies(q: str) -> list[list[str]] | None:
    """For each word typed in `q` (folded) that the words can serve, the words of `search_words`
    that contain it, found in one statement; None when none can serve. A typed word lies inside
    one word of a member's search text, so its list's members are exactly the members whose
    search text contains it; an empty list means nobody's does. A word shorter than `SHORTEST`
    (too short for a trigram index) or in more than `MOST_WORDS` words is left out, and so are
    the words past the `PHRASE_WORDS` longest: the directory checks those on each member."""
    typed = sorted(dict.fromkeys(word for word in q.split(" ") if len(word) >= SHORTEST), key=len,
                   reverse=True)[:PHRASE_WORDS]
    if not typed:
        return None
    found: list[list[str]] = [[] for _ in typed]
    parameters = {f"typed_{number}": like_pattern(word) for number, word in enumerate(typed)}
    for number, word in db.session.execute(_lookup(len(typed), MOST_WORDS), parameters):
        found[number].append(word)
    served = [sorted(words) for words in found if len(words) <= MOST_WORDS]
    return served or None


@functools.lru_cache(maxsize=16)
def _lookup(typed: int, most: int) -> sa.CompoundSelect:
    """`vocabularies`' statement for `typed` words, built once (each word a bound LIKE pattern,
    `typed_n`: contains_folded's): the words of `search_words` that contain each, `most` + 1 at
    most, numbered by the word typed."""
    lookups = [sa.select(sa.literal(number).label("number"), SearchWord.word)
               .where(SearchWord.word.like(sa.bindparam(f"typed_{number}", type_=sa.String), escape="\\"))
               .limit(most + 1).subquery()
               for number in range(typed)]
    return sa.union_all(*(sa.select(*lookup.c) for lookup in lookups))
