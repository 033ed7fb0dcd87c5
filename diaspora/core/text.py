"""Text as people type it and as lists sort it, and as a page shows it inside our sentences."""

import unicodedata

from markupsafe import Markup, escape


def fold(text: str) -> str:
    """For matching and sorting names the way people expect: no accents, no case, single
    spaces ("Ọlá  Adébáyọ̀" and "ola adebayo" fold the same)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


WORD_LENGTH = 60  # longer runs of letters are broken into pieces for search (`searchable`)


def searchable(text: str) -> str:
    """`fold`ed, with any word longer than `WORD_LENGTH` broken into pieces: what a search looks
    in, and the words it indexes (associations.models.MembershipWord), agree."""
    pieces = (word[start:start + WORD_LENGTH] for word in fold(text).split(" ")
              for start in range(0, len(word), WORD_LENGTH))
    return " ".join(pieces)


def words_of(searchable_text: str) -> set[str]:
    return {word for word in searchable_text.split(" ") if word}


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE, with the wildcards in `text` taken literally (escape character \\)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """Case-insensitive substring match, written as ILIKE so that a trigram index serves it on
    PostgreSQL (SQLite reads it as lower() LIKE lower())."""
    return column.ilike(like_pattern(text), escape="\\")


def contains_folded(column, folded: str):
    """Substring match of text that is already folded (`fold`) on both sides: a plain LIKE,
    which a trigram index serves as well as ILIKE and which checks a row several times faster."""
    return column.like(like_pattern(folded), escape="\\")


def isolated(text) -> Markup:
    """User-typed text (a name, a title) set apart for bidirectional display: escaped, inside
    <bdi>, so a right-to-left name or a stray override character (U+202E) cannot reverse the
    words around it. For an element's content only, never an attribute or a <title>."""
    return Markup("<bdi>%s</bdi>") % (text,)


def sentence_with(translated: str, **values) -> Markup:
    """A translated sentence, `_("... %(name)s ...")` not yet filled in, with each value
    `isolated`: the sentence escaped, then the values put in."""
    return escape(translated) % {name: isolated(value) for name, value in values.items()}
