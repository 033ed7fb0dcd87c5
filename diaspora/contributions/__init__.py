"""Contributions: what members give back (missions, training, mentoring, tele-education ...),
logged with evidence, verified by their association, and proved by a portfolio, a public
verification page and a signed credential; the missions and Health Partnerships associations
organise; and the impact dashboard that adds it all up. One sub-package for each: logbook/,
verification/, proof/, missions/ and impact/; the models, kinds and personal data they share
are here."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.contributions import personal_data, policy
    from diaspora.contributions.impact import views as impact_views
    from diaspora.contributions.logbook import views as logbook_views
    from diaspora.contributions.missions import views as mission_views
    from diaspora.contributions.proof import proof_files_views, public_proof_views
    from diaspora.contributions.verification import views as verification_views
    from diaspora.core import navigation
    from diaspora.core.i18n import _l

    policy.declare_kinds()
    personal_data.register()
    app.register_blueprint(logbook_views.bp)
    app.register_blueprint(verification_views.bp)
    app.register_blueprint(public_proof_views.bp)
    app.register_blueprint(proof_files_views.bp)
    app.register_blueprint(impact_views.bp)
    app.register_blueprint(mission_views.bp)
    navigation.add("contributions.index", _l("Contributions"), who="member", order=25)
    from diaspora.contributions.proof import documents
    from diaspora.core import jobs

    jobs.register("contributions.render_portfolio", documents.render_portfolio_job, retries=2, retry_delay=60)
