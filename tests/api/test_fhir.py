"""The FHIR feed of a desk's country, judged by the `fhir.resources` models (R4B, whose
Practitioner, PractitionerRole, Organization and Bundle are R4's) and by the elements IHE mCSD
requires: only members who share with the desk appear; one who stops sharing disappears from
the search and shows as a deletion in `_history?_since=`; `_lastUpdated` narrows the search;
pages follow `next` to the end; an association exports only its own members."""

from datetime import date, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from pydantic import ValidationError

from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure.models import Licence, Regulator
from diaspora.members import consents
from tests.api.support import bearer, service_token
from tests.factories import (
    DeskFactory,
    DeskOfficerFactory,
    MembershipFactory,
    ProfileFactory,
    UserFactory,
    association_with_heritage,
)

MODELS = {"Practitioner": Practitioner, "PractitionerRole": PractitionerRole, "Organization": Organization}
MCSD = "https://profiles.ihe.net/ITI/mCSD/StructureDefinition/IHE.mCSD."


def judged(document: dict) -> Bundle:
    """The Bundle and each resource in it parse and validate with fhir.resources (R4B), and each
    carries what its mCSD profile requires."""
    bundle = Bundle.model_validate(document)
    for entry in document["entry"]:
        resource = entry.get("resource")
        if resource is None:
            assert entry["request"]["method"] == "DELETE"
            continue
        MODELS[resource["resourceType"]].model_validate(resource)
        assert_mcsd(resource)
    return bundle


def assert_mcsd(resource: dict) -> None:
    kind = resource["resourceType"]
    assert resource["meta"]["profile"] == [MCSD + kind]
    if kind == "Practitioner":
        assert resource["name"] and resource["name"][0]["text"]
    if kind == "PractitionerRole":
        assert resource["code"], "mCSD PractitionerRole.code is 1..*"
        assert resource["practitioner"]["reference"].startswith("Practitioner/")
    if kind == "Organization":
        assert resource["name"] and resource["type"], "mCSD Organization: name 1..1, type 1..*"


def test_the_models_judge(app):
    with pytest.raises(ValidationError):
        Practitioner.model_validate({"resourceType": "Practitioner", "name": [{"text": 5}], "qualification": [{}]})
    with pytest.raises(ValidationError):
        Bundle.model_validate({"resourceType": "Bundle", "entry": []})  # type is 1..1
    with pytest.raises(ValidationError):
        Practitioner.model_validate({"resourceType": "Practitioner", "qualification": [{"period": {"start": "May"}}]})


def _member(name: str, country: str = "GH", *, share: bool = True, cadre: str = "nurse"):
    user = UserFactory(name=name)
    ProfileFactory(user=user, cadre=cadre, heritage=[country])
    consents.change_consents(user, directory=False, desks={country: share})
    db.session.commit()
    return user


@pytest.fixture
def ghana(db):
    desk = DeskFactory(country="GH", name="Ghana Diaspora Health Desk")
    officer = DeskOfficerFactory(desk=desk).user
    regulator = Regulator(country="GH", name="Nursing and Midwifery Council of Ghana", short_name="NMC-GH")
    db.session.add(regulator)
    db.session.commit()
    return {"desk": desk, "officer": officer, "regulator": regulator,
            "headers": bearer(service_token(officer, desk=desk))}


def _get(client, url, headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return response.json


def test_only_members_who_share_appear_with_their_licence_and_cadre(client, ghana):
    ama = _member("Ama Mensah")
    _member("Kwame Asante", share=False)
    _member("Chidi Okeke", "NG")
    db.session.add(Licence(user_id=ama.id, regulator_id=ghana["regulator"].id, registration_number="RN-12345",
                           issued_on=date(2020, 1, 1), expires_on=today() + timedelta(days=400)))
    db.session.commit()
    root = f"/api/v1/desks/{ghana['desk'].id}/fhir"

    practitioners = _get(client, f"{root}/Practitioner", ghana["headers"])
    judged(practitioners)
    assert [e["resource"]["name"][0]["text"] for e in practitioners["entry"]] == ["Ama Mensah"]
    qualification = practitioners["entry"][0]["resource"]["qualification"][0]
    assert qualification["issuer"]["reference"] == f"Organization/regulator-{ghana['regulator'].id}"
    assert qualification["period"]["start"] == "2020-01-01"
    assert qualification["extension"][0]["valueCode"] == "active"
    assert "RN-12345" not in str(practitioners)  # not unless the member lets this desk read it

    consents.change_consents(ama, directory=False, desks={"GH": True}, registration={"GH": True})
    db.session.commit()
    shown = _get(client, f"{root}/Practitioner", ghana["headers"])
    judged(shown)
    assert shown["entry"][0]["resource"]["qualification"][0]["identifier"][0]["value"] == "RN-12345"

    roles = _get(client, f"{root}/PractitionerRole", ghana["headers"])
    judged(roles)
    coding = roles["entry"][0]["resource"]["code"][0]["coding"][0]
    assert (coding["system"], coding["code"]) == ("http://www.ilo.org/public/english/bureau/stat/isco/isco08", "2221")

    one = _get(client, f"{root}/Practitioner/{ama.id}", ghana["headers"])
    Practitioner.model_validate(one)
    assert_mcsd(one)

    organizations = _get(client, f"{root}/Organization", ghana["headers"])
    judged(organizations)
    assert "Nursing and Midwifery Council of Ghana" in [e["resource"]["name"] for e in organizations["entry"]]


def test_withdrawn_consent_disappears_and_history_shows_a_deletion(client, ghana):
    ama = _member("Ama Mensah")
    kofi = _member("Kofi Boateng")
    root = f"/api/v1/desks/{ghana['desk'].id}/fhir"
    before = _get(client, f"{root}/Practitioner/_history", ghana["headers"])
    judged(before)
    assert {e["request"]["method"] for e in before["entry"]} == {"PUT"}
    since = max(e["response"]["lastModified"] for e in before["entry"])

    consents.change_consents(kofi, directory=False, desks={"GH": False})
    db.session.commit()

    search = _get(client, f"{root}/Practitioner", ghana["headers"])
    assert [e["resource"]["id"] for e in search["entry"]] == [str(ama.id)]
    assert client.get(f"{root}/Practitioner/{kofi.id}", headers=ghana["headers"]).status_code == 404
    for beyond in ("2147483648", "99999999999", "²"):  # no row has such an id: a 404, not an overflow
        assert client.get(f"{root}/Practitioner/{beyond}", headers=ghana["headers"]).status_code == 404
    changes = _get(client, f"{root}/Practitioner/_history?_since={since}", ghana["headers"])
    judged(changes)
    deleted = [e for e in changes["entry"] if e["request"]["method"] == "DELETE"]
    assert [e["request"]["url"] for e in deleted] == [f"Practitioner/{kofi.id}"]
    assert "resource" not in deleted[0]
    assert str(ama.id) not in [e["request"]["url"].split("/")[1] for e in changes["entry"]]


def test_a_change_to_the_profile_moves_the_record_into_the_updates(client, ghana):
    ama = _member("Ama Mensah")
    _member("Kofi Boateng")
    root = f"/api/v1/desks/{ghana['desk'].id}/fhir"
    everything = _get(client, f"{root}/PractitionerRole/_history", ghana["headers"])
    since = max(e["response"]["lastModified"] for e in everything["entry"])
    ama.profile.specialty = "Neonatal care"
    db.session.commit()
    changed = _get(client, f"{root}/PractitionerRole?_lastUpdated=gt{since}", ghana["headers"])
    judged(changed)
    assert [e["resource"]["specialty"][0]["text"] for e in changed["entry"]] == ["Neonatal care"]
    assert _get(client, f"{root}/PractitionerRole?_lastUpdated=le{since}", ghana["headers"])["entry"][0][
        "resource"]["id"] != str(ama.id)


def test_pages_follow_next_to_the_end_without_a_repeat(client, ghana):
    people = [_member(f"Member {n}") for n in range(7)]
    url, seen = f"/api/v1/desks/{ghana['desk'].id}/fhir/Practitioner?_count=3", []
    while url:
        page = _get(client, url, ghana["headers"])
        judged(page)
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
        if url:
            url = url.split("localhost", 1)[-1]
    assert sorted(seen) == sorted(str(p.id) for p in people) and len(seen) == 7
    bad = client.get(f"/api/v1/desks/{ghana['desk'].id}/fhir/Practitioner?_cursor=nonsense", headers=ghana["headers"])
    assert bad.status_code == 404


def test_a_desk_token_reads_only_its_own_country(client, ghana):
    nigeria = DeskFactory(country="NG")
    _member("Chidi Okeke", "NG")
    assert client.get(f"/api/v1/desks/{nigeria.id}/fhir/Practitioner", headers=ghana["headers"]).status_code == 404


def test_an_association_exports_only_its_own_members_who_chose_the_directory(client, db):
    association = association_with_heritage("GH", name="Ghanaian Nurses UK")
    officer = MembershipFactory(association=association, officer=True).user
    listed = MembershipFactory(association=association).user
    ProfileFactory(user=listed, directory_consent=True)
    hidden = MembershipFactory(association=association).user
    ProfileFactory(user=hidden, directory_consent=False)
    stranger = UserFactory(name="Not A Member")
    ProfileFactory(user=stranger, directory_consent=True)
    db.session.commit()
    headers = bearer(service_token(officer, association=association))
    found = _get(client, f"/api/v1/associations/{association.slug}/fhir/Practitioner", headers)
    judged(found)
    assert [e["resource"]["id"] for e in found["entry"]] == [str(listed.id)]
