"""Text as people type it and as lists sort it."""

import unicodedata


def fold(text: str) -> str:
    """For matching and sorting names the way people expect: no accents, no case, single
    spaces ("Ọlá  Adébáyọ̀" and "ola adebayo" fold the same)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


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
