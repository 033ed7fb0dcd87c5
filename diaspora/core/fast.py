"""What every request costs before its view, cut to what it needs. A page's own work is a few
milliseconds; the hooks around it run on every request, the healthy and the refused alike, so
each is measured (bench/middleware_bench.py: the app's route that touches no database against
a bare Flask route) and kept small:

* `Flask.ensure_sync` asks `inspect` whether each hook is a coroutine, a dozen times a request:
  the answer is kept per function;
* the session's signing serializer is built once per set of keys, not on every request, and a
  request with no cookie has an empty session without its cookies being parsed;
* the URL adapters: the application context's (bound to SERVER_NAME) is made once per setting,
  and a request's is made from one kept per host (the trusted-host check, the host's IDNA
  encoding and the script root are the same for every request to that host), with the
  request's own path, method and query string;
* Flask-Limiter's hooks run only around the views that carry a limit (see diaspora/__init__)."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import MapAdapter

_UNSET = object()


class DiasporaFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}
        self._app_adapters: dict = {}
        self._host_adapters: dict = {}
        self.session_interface = KeptSerializerSessionInterface()

    def ensure_sync(self, func):
        found = self._sync.get(func)
        if found is None:
            found = self._sync[func] = super().ensure_sync(func)
        return found

    def create_url_adapter(self, request):
        """Flask's adapters, the parts that depend only on the host and the settings kept (an
        adapter holds no state of its own once made: Werkzeug never changes one)."""
        config = self.config
        if request is None:
            key = (config["SERVER_NAME"], config["APPLICATION_ROOT"], config["PREFERRED_URL_SCHEME"])
            adapter = self._app_adapters.get(key, _UNSET)
            if adapter is _UNSET:
                adapter = super().create_url_adapter(None)
                if len(self._app_adapters) >= 8:
                    self._app_adapters.clear()
                self._app_adapters[key] = adapter
            return adapter
        trusted = config["TRUSTED_HOSTS"]
        if self.url_map.host_matching or self.subdomain_matching or trusted is None and request.trusted_hosts:
            return super().create_url_adapter(request)
        environ = request.environ
        key = (environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
               environ["wsgi.url_scheme"], environ.get("HTTP_CONNECTION"), environ.get("HTTP_UPGRADE"),
               environ.get("SCRIPT_NAME"), config["SERVER_NAME"], self.url_map.default_subdomain,
               None if trusted is None else tuple(trusted))
        kept = self._host_adapters.get(key)
        if kept is None:
            # Flask's way: checks the host against TRUSTED_HOSTS (raising for another), binds the map.
            adapter = super().create_url_adapter(request)
            if len(self._host_adapters) >= 256:  # a host may come with any port
                self._host_adapters.clear()
            self._host_adapters[key] = (request.host, adapter)
            return adapter
        host, adapter = kept
        if trusted is not None:
            request.trusted_hosts = trusted
        request.host = host
        path_info, query = environ.get("PATH_INFO"), environ.get("QUERY_STRING")
        return MapAdapter(self.url_map, adapter.server_name, adapter.script_name, adapter.subdomain,
                          adapter.url_scheme,
                          "/" if path_info is None else path_info.encode("latin1").decode(errors="replace"),
                          environ["REQUEST_METHOD"],
                          None if query is None else query.encode("latin1").decode(errors="replace"))


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

    def open_session(self, app: Flask, request):
        """A request with no cookie at all has an empty session: found without parsing the
        (absent) cookies, which walks every header of the request."""
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


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
