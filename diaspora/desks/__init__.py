"""Ministries of health's diaspora desks and their officers."""

from flask import Flask


def init_app(app: Flask) -> None:
    import sqlalchemy as sa

    from diaspora.core import personal_data
    from diaspora.desks.models import Desk, DeskOfficer
    from diaspora.extensions import db

    def export(user):
        desks = db.session.scalars(sa.select(Desk).join(DeskOfficer).where(DeskOfficer.user_id == user.id))
        return [{"desk": desk.name, "country": desk.country} for desk in desks]

    def erase(user):
        return db.session.execute(sa.delete(DeskOfficer).where(DeskOfficer.user_id == user.id)
                                  .execution_options(synchronize_session=False)).rowcount

    personal_data.register("desk_work", tables=("desk_officers",), export=export, erase=erase, order=40)
