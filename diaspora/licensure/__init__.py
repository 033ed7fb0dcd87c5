"""Licensure: the licences to practise members hold in their heritage countries, their CPD
against each regulator's cycle, reminders before expiry, a calendar feed and renewal packs;
the regulator catalogue and the WHO Support and Safeguards List, kept by admins."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import navigation
    from diaspora.core.i18n import _l
    from diaspora.licensure import personal_data, policy, views

    policy.declare_kinds()
    personal_data.register()
    app.register_blueprint(views.bp)
    navigation.add("licences.index", _l("Licences"), who="member", order=27)
