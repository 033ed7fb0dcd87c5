"""The site's header and footer, rendered once per what they show and kept (issue 17).

Every page wears them, and Jinja spent about 2,500 Python calls on them a page (a macro call,
an escape, a link at a time). What they show depends on few things: the language, whether one
is logged in, one's workspaces, the menu, the page one is on, the script root. The HTML is
rendered by `templates/core/site_frame.html` once for each of these and kept (per process, the
latest `KEPT`); what changes on every request (the CSRF token, the footer's `next` path) is a
placeholder the kept HTML is filled with, escaped as Jinja would."""

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from diaspora.core import navigation
from diaspora.core.i18n import current_locale

KEPT = 4096
_CSRF = "\ue000csrf\ue000"  # private-use characters: nothing escapes or contains them
_NEXT = "\ue000next\ue000"
_kept: dict[tuple, str] = {}


def site_header() -> Markup:
    logged_in = _logged_in()
    spaces = tuple(navigation.workspaces()) if logged_in else ()
    current_path = request.path
    key = ("header", current_locale(), logged_in, request.script_root, request.endpoint,
           next((space.url for space in spaces if space.url == current_path), None), spaces,
           tuple(navigation.main_navigation()), tuple(navigation.main_navigation(account=True)))
    html = _kept.get(key)
    if html is None:
        html = _keep(key, _macro("header")(spaces, key[7], key[8], logged_in, request.endpoint, current_path, _CSRF))
    return Markup(html.replace(_CSRF, generate_csrf()) if logged_in else html)


def site_footer() -> Markup:
    logged_in = _logged_in()
    locale = current_locale()
    key = ("footer", locale, logged_in, request.script_root)
    html = _kept.get(key)
    if html is None:
        html = _keep(key, _macro("footer")(logged_in, locale, _CSRF, _NEXT))
    next_path = request.full_path if request.method == "GET" else ""
    return Markup(html.replace(_CSRF, generate_csrf()).replace(_NEXT, str(escape(next_path))))


def kept_fragment(key: tuple, macro, *args) -> Markup:
    """What `macro(*args)` renders, kept by `key` (and the language and script root): for a
    fragment that depends on nothing else, such as a section's sub-navigation (its links and
    labels; the page it marks as current belongs in `key`)."""
    key = ("fragment", current_locale(), request.script_root, *key)
    html = _kept.get(key)
    if html is None:
        html = _keep(key, macro(*args))
    return Markup(html)


def _logged_in() -> bool:
    return bool(getattr(current_user, "is_authenticated", False))


def _macro(name: str):
    return getattr(current_app.jinja_env.get_template("core/site_frame.html").module, name)


def _keep(key: tuple, html) -> str:
    if len(_kept) >= KEPT:
        _kept.clear()
    _kept[key] = str(html)
    return _kept[key]
