"""What every request costs before its view, cut to what it needs. A page's own work is a few
milliseconds; the hooks around it run on every request, the healthy and the refused alike, so
each is measured (bench/middleware_bench.py: the app's route that touches no database against
a bare Flask route) and kept small:

* `Flask.ensure_sync` asks `inspect` whether each hook is a coroutine, a dozen times a request:
  the answer is kept per function;
* the session's signing serializer is built once per set of keys, not on every request;
* Flask-Limiter's hooks run only around the views that carry a limit (see diaspora/__init__)."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class DiasporaFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}
        self.session_interface = KeptSerializerSessionInterface()

    def ensure_sync(self, func):
        found = self._sync.get(func)
        if found is None:
            found = self._sync[func] = super().ensure_sync(func)
        return found


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the serializer made once per secret key (and its
    fallbacks): it holds nothing of any request."""

    _made: dict = {}

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = self._made.get(keys)
        if made is None:
            if len(self._made) > 8:
                self._made.clear()
            made = self._made[keys] = super().get_signing_serializer(app)
        return made


def install_template_url_for(app: Flask) -> None:
    """Templates build each link through Werkzeug's URL map (about 10 µs a link; a list page
    has a hundred, most the same on every view: the menu, the stylesheet, the page's own
    filters). A link depends only on its endpoint, its values and where the site is served
    (the request's host, script root and scheme), so templates keep what they built, per
    process. Only plain values are kept (strings and integers: the key would confuse `1` and
    `True`), and nothing if the app registers URL defaults (they could read the request)."""
    from flask.globals import _cv_request

    build = app.url_for
    kept: dict = {}
    if any(app.url_default_functions.values()):
        return

    def url_for(endpoint: str, **values) -> str:
        context = _cv_request.get(None)
        adapter = getattr(context, "url_adapter", None)
        if adapter is None:
            return build(endpoint, **values)
        for value in values.values():
            if type(value) is not str and type(value) is not int:
                return build(endpoint, **values)
        blueprint = context.request.blueprint if endpoint[:1] == "." else None
        key = (adapter.server_name, adapter.script_name, adapter.url_scheme, blueprint, endpoint,
               tuple(values.items()))
        url = kept.get(key)
        if url is None:
            url = build(endpoint, **values)
            if len(kept) >= 20_000:
                kept.clear()
            kept[key] = url
        return url

    app.jinja_env.globals["url_for"] = url_for
