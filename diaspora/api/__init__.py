"""The JSON API (`/api/v1`) and its access tokens.

* `models.py`, `tokens.py`, `policy.py`, `personal_data.py`: personal and service tokens, made,
  used and revoked under the same rules as every other record.
* `views.py`, `forms.py`: the token pages (a person's own, an association's, a desk's, the
  admins' list).
* `authentication.py`: the bearer token becomes the request's user (`core.access.token_required`).
* `v1/`: the routes, split by domain, each calling the service its page calls; `v1/document.py`
  makes the OpenAPI 3.1 document from them, `v1/support.py` holds their conventions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.api import authentication, fhir_feed, personal_data, policy, views
    from diaspora.api.forms import scope_label
    from diaspora.api.v1 import (
        aggregates,
        contributions,
        desks,
        fhir,
        licences,
        members,
        open311,
        public,
        support,
        webhooks,
    )
    from diaspora.core import access

    policy.declare_kinds()
    personal_data.register()
    fhir_feed.keep_in_step()
    access.token_authenticator(authentication.authenticate)
    app.register_blueprint(views.bp)
    for blueprint in (public.home, public.bp, members.bp, contributions.bp, licences.bp, desks.bp, open311.bp, fhir.bp,
                      aggregates.bp, webhooks.bp):
        app.register_blueprint(blueprint)
    app.after_request(support.api_headers)
    app.jinja_env.globals["scope_label"] = scope_label
