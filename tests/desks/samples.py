"""What the desks add to the suite-wide tests (see tests/samples.py). Each tenant gets a desk
for its heritage country and a submission by its member; the world's desk officer works a desk
of another country ("ZA") and must see none of it."""

from diaspora.desks import submissions
from diaspora.desks.models import Desk
from diaspora.extensions import db
from tests.factories import DeskFactory
from tests.samples import Person, Tenant, kind_sample, person_sample


def desk_of(tenant: Tenant) -> Desk:
    desk = tenant.extra.get("desk")
    if desk is None:
        desk = db.session.query(Desk).filter_by(country=tenant.heritage).first() or DeskFactory(
            country=tenant.heritage, name=f"Desk of tenant {tenant.label}")
        tenant.extra["desk"] = desk
    return desk


@kind_sample("desk")
def desk(tenant: Tenant) -> dict:
    return {"desk_id": desk_of(tenant).id}


@kind_sample("submission")
def submission(tenant: Tenant) -> dict:
    made = submissions.send(tenant.member, country=desk_of(tenant).country, topic="barrier_report",
                            title=tenant.secret("submission"), show_identity=True, answers={
                                "barrier": "licensure", "what_happened": tenant.secret("what-happened"),
                                "what_would_help": tenant.secret("help")})
    tenant.extra["submission"] = made
    return {"desk_id": made.desk_id, "submission_id": made.id}


@person_sample
def a_submission_with_information_added(person: Person) -> None:
    DeskFactory(country="KE")
    made = submissions.send(person.user, country="KE", topic="policy_input", title=person.mark("title"),
                            show_identity=True, answers={"policy_area": person.mark("area"),
                                                         "document": person.mark("document"),
                                                         "recommendation": person.mark("recommendation")})
    submissions.add_information(person.user, made, person.mark("more"))
