"""A member's own records: profile, qualifications and responsibilities, availability, and
their choices about who may see them."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.members import personal_data, policy

    policy.declare_kinds()
    personal_data.register()
    from diaspora.members import views

    app.register_blueprint(views.bp)
    from diaspora.core import navigation
    from diaspora.core.i18n import _l

    navigation.add("members.profile", _l("Your profile"), who="member", order=20)
