"""Where a submission goes: the route for its country and topic, else the country's route for
every topic, else nowhere (unrouted, flagged to admins until a desk takes it). Only an active
desk takes submissions: a route to an inactive desk is skipped, and the fallback applies."""

import sqlalchemy as sa

from diaspora.desks.models import ANY_TOPIC, Desk, DeskRoute
from diaspora.extensions import db


def desk_for(country: str, topic: str) -> Desk | None:
    rows = db.session.execute(
        sa.select(DeskRoute.topic, Desk).join(Desk, Desk.id == DeskRoute.desk_id)
        .where(DeskRoute.country == country, DeskRoute.topic.in_([topic, ANY_TOPIC]), Desk.active.is_(True))
    ).all()
    by_topic = {route_topic: desk for route_topic, desk in rows}
    return by_topic.get(topic) or by_topic.get(ANY_TOPIC)


def set_routes(desk: Desk, topics: list[str]) -> None:
    """The desk takes these topics of its country (ANY_TOPIC: all of them). A topic another desk
    of the country already takes stays with that desk (the unique key refuses two)."""
    wanted = set(topics)
    for route in list(desk.routes):
        if route.topic not in wanted:
            desk.routes.remove(route)
    taken = set(db.session.scalars(sa.select(DeskRoute.topic).where(
        DeskRoute.country == desk.country, DeskRoute.desk_id != desk.id)))
    for topic in sorted(wanted - {route.topic for route in desk.routes} - taken):
        desk.routes.append(DeskRoute(country=desk.country, topic=topic))
    db.session.flush()
