import html
import re

import sqlalchemy as sa

from diaspora.core.models import AuditEvent
from diaspora.extensions import db

LINK = re.compile(r"https?://\S+")


def link_in(text: str) -> str:
    """The first link in an email's text, as a path the test client can open."""
    match = LINK.search(text)
    assert match, f"no link in: {text}"
    return re.sub(r"^https?://[^/]+", "", match.group(0))


def audit_actions(obj=None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if obj is not None:
        query = query.where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == str(obj.id))
    return list(db.session.scalars(query))


def row_count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def is_ticked(page: str, name: str, value: str) -> bool:
    """Whether the page has a ticked checkbox `name` with `value`."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag and 'type="checkbox"' in tag:
            return " checked" in tag
    return False


STAT = re.compile(r'<span class="stat__number">([^<]*)</span>\s*<span class="stat__label">([^<]*)</span>')


def stats_on(page: str) -> dict[str, str]:
    """The stat tiles of a page, label to number, as a person reads them."""
    return {label.strip(): number.strip() for number, label in STAT.findall(page)}


def in_language(language: str, message: str, **values) -> str:
    """`message` translated into `language`, for pages seen by someone whose language is not
    English; compare it with `readable(page)`."""
    from babel.support import Translations

    translated = Translations.load("diaspora/translations", [language]).ugettext(message)
    return translated % values if values else translated


def readable(page: str) -> str:
    """A page's HTML with its character references undone (&#39; is ')."""
    return html.unescape(page)
