"""Absolute links for mail, built from configuration only.

A link in an email must point at the site we serve, whatever `Host` header the request that
caused it carried (a forged one would otherwise mail a victim a reset link to an attacker's
site), and must work when the mail is sent from a cron job, with no request at all.
`SERVER_NAME` (host and port), `PREFERRED_URL_SCHEME` and `APPLICATION_ROOT` say where the
site lives; production refuses to start without `SERVER_NAME`."""

from flask import current_app


def absolute(endpoint: str, **values) -> str:
    config = current_app.config
    adapter = current_app.url_map.bind(
        config["SERVER_NAME"],
        script_name=config.get("APPLICATION_ROOT") or "/",
        url_scheme=config.get("PREFERRED_URL_SCHEME") or "https",
    )
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def site_url() -> str:
    return absolute("core.home")
