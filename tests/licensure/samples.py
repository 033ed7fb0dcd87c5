"""What licensure adds to the suite-wide tests (see tests/samples.py)."""

import io
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences, reference
from diaspora.licensure.models import LicenceFeed, Regulator, SafeguardCountry
from tests.samples import (
    OWN_OFFICER,
    OWNER,
    Person,
    Tenant,
    admins,
    anyone,
    insiders,
    kind_sample,
    open_to_outsiders,
    own_sample,
    person_sample,
)

PDF = b"%PDF-1.4\n% a licence certificate\n"

# The regulator catalogue and the safeguards list are the platform's, kept by its admins; the
# calendar feed is opened by whoever holds its secret address (it shows nothing secret here:
# see licence_feed below).
open_to_outsiders("regulator", "view", admins)
open_to_outsiders("regulator", "manage", admins)
open_to_outsiders("safeguard_country", "view", admins)
open_to_outsiders("safeguard_country", "manage", admins)
open_to_outsiders("licence_feed", "view", anyone)

# A licence and CPD are their member's. The sample licence is not shared with the association,
# so its officers may not see it either (tests/licensure test the sharing).
insiders("licence", "view", OWNER, OWN_OFFICER)
insiders("licence", "change", OWNER, OWN_OFFICER)
insiders("cpd_activity", "view", OWNER, OWN_OFFICER)
insiders("cpd_activity", "change", OWNER, OWN_OFFICER)
insiders("regulator", "view")  # admins only
insiders("regulator", "manage")
insiders("safeguard_country", "view")
insiders("safeguard_country", "manage")
insiders("licence_feed", "view")  # open to anyone with the token


def certificate(name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=f"{name}.pdf", content_type="application/pdf")


def a_regulator(country: str = "GH", short_name: str = "NMC") -> Regulator:
    reference.load_regulators()
    return db.session.query(Regulator).filter_by(country=country, short_name=short_name).one()


@kind_sample("licence")
def licence(tenant: Tenant) -> dict:
    made = licences.add_licence(tenant.member, {
        "regulator_id": a_regulator().id, "registration_number": tenant.secret("pin"), "category": "full",
        "issued_on": today() - timedelta(days=300), "expires_on": today() + timedelta(days=20), "reminders": True,
    }, certificate(tenant.secret("certificate")))
    return {"licence_id": made.id}


@own_sample("licence")
def officers_own_licence(tenant: Tenant) -> dict:
    made = licences.add_licence(tenant.officer, {
        "regulator_id": a_regulator().id, "registration_number": tenant.secret("own-pin"), "category": "full",
        "issued_on": today() - timedelta(days=300), "expires_on": today() + timedelta(days=200), "reminders": True,
    }, certificate(tenant.secret("own-certificate")))
    return {"licence_id": made.id}


@own_sample("cpd_activity")
def officers_own_cpd(tenant: Tenant) -> dict:
    made = licences.log_activity(tenant.officer, title=tenant.secret("own-course"), provider="A provider",
                                 completed_on=today(), hours=1, amount=1, unit="points", evidence=None)
    return {"activity_id": made.id}


@kind_sample("cpd_activity")
def cpd_activity(tenant: Tenant) -> dict:
    made = licences.log_activity(tenant.member, title=tenant.secret("course"), provider=tenant.secret("provider"),
                                 completed_on=today(), hours=3, amount=3, unit="points",
                                 evidence=certificate(tenant.secret("cpd")))
    return {"activity_id": made.id}


@kind_sample("regulator")
def regulator(tenant: Tenant) -> dict:
    return {"regulator_id": a_regulator().id}


@kind_sample("safeguard_country")
def safeguard_country(tenant: Tenant) -> dict:
    reference.load_safeguard_list()
    return {"country": db.session.query(SafeguardCountry).order_by(SafeguardCountry.country).first().country}


@kind_sample("licence_feed")
def licence_feed(tenant: Tenant) -> dict:
    """The feed's page shows the member's renewal dates and regulators, nothing they typed."""
    from diaspora.licensure import feeds

    return {"token": feeds.feed_of(tenant.member).token}


@person_sample
def licences_cpd_and_choices(person: Person) -> None:
    held = licences.add_licence(person.user, {
        "regulator_id": a_regulator().id, "registration_number": person.mark("pin"), "category": "full",
        "issued_on": today() - timedelta(days=300), "expires_on": today() + timedelta(days=5), "reminders": True,
    }, certificate(person.mark("certificate")))
    assert held.id
    licences.log_activity(person.user, title=person.mark("course"), provider=person.mark("provider"),
                          completed_on=today(), hours=2, amount=2, unit="points",
                          evidence=certificate(person.mark("evidence")))
    licences.choose_sharing(person.user, {person.association.id: True})
    db.session.add(LicenceFeed(user_id=person.user.id, token=person.mark("feed")))
    db.session.flush()
