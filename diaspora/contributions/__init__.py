"""Contributions: what members give back (missions, training, mentoring, tele-education ...),
logged with evidence, verified by their association, and proved by a portfolio, a public
verification page and a signed credential; the missions and Health Partnerships associations
organise; and the impact dashboard that adds it all up."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.contributions import (
        impact_views,
        mission_views,
        officer_views,
        personal_data,
        policy,
        proof_views,
        public_views,
        views,
    )
    from diaspora.core import navigation
    from diaspora.core.i18n import _l

    policy.declare_kinds()
    personal_data.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(officer_views.bp)
    app.register_blueprint(public_views.bp)
    app.register_blueprint(proof_views.bp)
    app.register_blueprint(impact_views.bp)
    app.register_blueprint(mission_views.bp)
    navigation.add("contributions.index", _l("Contributions"), who="member", order=25)
    from diaspora.contributions import documents
    from diaspora.core import jobs

    jobs.register("contributions.render_portfolio", documents.render_portfolio_job, retries=2, retry_delay=60)
