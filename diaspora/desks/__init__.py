"""Ministries of health's diaspora desks: structured input from members and associations,
routed to the right desk by country and topic, worked to an answer; MoUs, calls for support,
and the engagement dashboard of each desk's country."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.desks import personal_data, policy

    policy.declare_kinds()
    personal_data.register()
