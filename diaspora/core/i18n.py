"""Translatable strings (Flask-Babel). Every user-facing string goes through one of these:

    _("text")            translated now (in a request, a CLI command or a mail being rendered)
    _l("text")           translated when shown (labels defined at import time: forms, enums)
    ngettext(one, many, n)

The locale comes from the person's own setting, else the browser's Accept-Language, else
English (`select_locale`). Mail is rendered in the recipient's locale (`in_locale`)."""

from contextlib import contextmanager

from flask import current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import force_locale, get_translations
from flask_babel import get_locale as _get_locale
from flask_babel.speaklater import LazyString

DEFAULT_LOCALE = "en"
# Each language named in itself, as a person looking for their own would read it.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "pt": "Português"}


def supported_locales() -> list[str]:
    return list(current_app.config.get("LANGUAGES", [DEFAULT_LOCALE]))


def select_locale() -> str:
    """The person's chosen language, else the best of the browser's, else English."""
    from flask_login import current_user

    supported = supported_locales()
    if has_request_context():
        chosen = request.cookies.get("locale")
        if current_user and current_user.is_authenticated and current_user.locale in supported:
            return current_user.locale
        if chosen in supported:
            return chosen
        best = request.accept_languages.best_match(supported)
        if best:
            return best
    return DEFAULT_LOCALE


def _babel_state():
    """Where Flask-Babel keeps the locale of this request or command (`g._flask_babel`, which
    `force_locale` changes too), read without its proxies: pages ask for it hundreds of times."""
    app_context = _cv_app.get(None)
    return None if app_context is None else app_context.g.__dict__.get("_flask_babel")


def _locale_object():
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        try:
            locale = _get_locale()  # chosen once (select_locale), then kept in the state
        except RuntimeError:  # outside any context
            locale = None
    return locale


def current_locale() -> str:
    state = _babel_state()
    named = getattr(state, "_named_locale", None)
    if named is not None and named[0] is getattr(state, "babel_locale", None):
        return named[1]  # the same locale as last asked: the usual case, hundreds of times a page
    locale = _locale_object()
    if locale is None:
        return DEFAULT_LOCALE
    state = _babel_state()
    named = (locale, str(locale))
    if state is not None:
        state._named_locale = named
    return named[1]


def _translations():
    """The catalogue of this request's (or command's, or mail's) language, found once per
    language and kept in Flask-Babel's state: Flask-Babel looks it up again on every call, and a
    list page asks for a few hundred labels."""
    state = _babel_state()
    cached = getattr(state, "_translations", None)
    if cached is not None and cached[0] is getattr(state, "babel_locale", None):
        return cached[1]
    locale = _locale_object()
    state = _babel_state()
    cached = getattr(state, "_translations", None)
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        if state is not None:
            state._translations = cached
    return cached[1]


def gettext(string: str, **variables) -> str:
    """As Flask-Babel's `gettext`, through the kept catalogue."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """As Flask-Babel's `ngettext`, through the kept catalogue."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


_ = gettext
_l = lazy_gettext


@contextmanager
def in_locale(locale: str | None):
    """Render something (a mail) in another person's language."""
    wanted = locale if locale in supported_locales() else DEFAULT_LOCALE
    with force_locale(wanted):
        yield


class Later:
    """Text made when it is shown, not when it is written: a mail's subject that holds a date
    is made in the recipient's language, inside `queue_email`."""

    def __init__(self, make):
        self._make = make

    def __str__(self) -> str:
        return str(self._make())

    def __html__(self) -> str:
        return str(self)


def install_template_gettext(app) -> None:
    """Templates translate through the request's translations object, looked up once per
    request and language (Flask-Babel looks it up again on every call: a list page with a
    hundred labels spent more time there than in its SQL)."""
    translations = _translations

    # Jinja's "newstyle" wrappers escape and fill in the %(name)s variables themselves, through two
    # `Context.call`s per message (its `_` alias, then its wrapper). These do the same in one call
    # (they need the evaluation context only, to know whether the template escapes), and keep the
    # finished text of a message without variables per translations object: a list page says
    # "Reference" once per row.
    from jinja2 import pass_eval_context
    from markupsafe import Markup

    def _finished(message, escaped: bool, state):
        catalogue = translations()
        kept = catalogue.__dict__.get("_finished_texts")
        if kept is None:
            kept = catalogue._finished_texts = {}
        if state is not None:  # the next message of this request finds them at once
            state._finished_texts = (getattr(state, "babel_locale", None), kept)
        key = (message, escaped)
        text = kept.get(key)
        if text is None:
            text = catalogue.ugettext(message)
            text = (Markup(text) if escaped else text) % {}
            if len(kept) < 5000:
                kept[key] = text
        return text

    @pass_eval_context
    def template_gettext(eval_context, message, /, **variables):
        if not variables:
            app_context = _cv_app.get(None)
            state = None if app_context is None else app_context.g.__dict__.get("_flask_babel")
            kept = getattr(state, "_finished_texts", None)
            if kept is not None and kept[0] is getattr(state, "babel_locale", None) and kept[0] is not None:
                text = kept[1].get((message, eval_context.autoescape))
                if text is not None:
                    return text
            return _finished(message, eval_context.autoescape, state)
        text = translations().ugettext(message)
        if eval_context.autoescape:
            text = Markup(text)
        return text % variables

    @pass_eval_context
    def template_ngettext(eval_context, singular, plural, num, /, **variables):
        variables.setdefault("num", num)
        text = translations().ungettext(singular, plural, num)
        if eval_context.autoescape:
            text = Markup(text)
        return text % variables

    app.jinja_env.install_gettext_callables(lambda message: translations().ugettext(message),
                                            lambda singular, plural, num: translations().ungettext(
                                                singular, plural, num), newstyle=True)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
