"""Open311 GeoReport v2, judged by the schemas of open311/schema-validation (tests/data/open311,
with their source note): a desk's services, each service's definition and its requests; a member
posts a request with a token and reads it back; an association reads the requests it sent. Each
reader sees only what is theirs: a desk's token its own desk, a member their own requests."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from diaspora.desks.submissions import submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from tests.api.support import bearer, personal_token, service_token
from tests.factories import DeskFactory, DeskOfficerFactory, MembershipFactory, UserFactory

SCHEMAS = Path(__file__).parent.parent / "data" / "open311"
BARRIER = {"barrier": "licensure", "what_happened": "A visit to Abuja was asked of me.",
           "what_would_help": "Online renewal."}


def _registry() -> Registry:
    resources = []
    for name in ("request.json", "requests.json", "service.json", "services.json", "service-definition.json"):
        resources.append((name, Resource.from_contents(json.loads((SCHEMAS / name).read_text()),
                                                        default_specification=DRAFT4)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def assert_valid(document, schema: str) -> None:
    """The answer validates against the Open311 schema (formats checked: date-time)."""
    validator = Draft4Validator(REGISTRY.contents(schema), registry=REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=str)
    assert errors == [], [error.message for error in errors]
    if schema in ("requests.json", "services.json"):
        assert isinstance(document, list)
        item = "request.json" if schema == "requests.json" else "service.json"
        for entry in document:  # the array schemas' $ref sits beside minItems: check each item too
            assert list(Draft4Validator(REGISTRY.contents(item), registry=REGISTRY,
                                        format_checker=FormatChecker()).iter_errors(entry)) == []


def test_the_schemas_judge(app):
    """The judge is able to fail: a request without its status is refused."""
    with pytest.raises(AssertionError):
        assert_valid([{"service_request_id": "GH-2026-000001", "service_code": "x",
                       "requested_datetime": "2026-01-01T00:00:00Z"}], "requests.json")
    with pytest.raises(AssertionError):
        assert_valid([{"service_request_id": "GH-2026-000001", "service_code": "x", "status": "open",
                       "requested_datetime": "yesterday"}], "requests.json")


@pytest.fixture
def ghana(db):
    desk = DeskFactory(country="GH", name="Ghana Diaspora Health Desk")
    officer = DeskOfficerFactory(desk=desk).user
    other = DeskFactory(country="NG", name="Nigeria Desk")
    member = UserFactory(name="Ama Mensah")
    sent = submissions.send(member, country="GH", topic="barrier_report", title="Renewal needs a visit",
                            answers=BARRIER, show_identity=True)
    elsewhere = submissions.send(member, country="NG", topic="barrier_report", title="Nigerian renewal",
                                 answers=BARRIER, show_identity=True)
    db.session.commit()
    return {"desk": desk, "officer": officer, "other": other, "member": member, "sent": sent,
            "elsewhere": elsewhere}


def test_a_desk_reads_its_services_definitions_and_requests_as_open311_says(client, ghana):
    desk = ghana["desk"]
    headers = bearer(service_token(ghana["officer"], desk=desk))
    root = f"/api/v1/desks/{desk.id}/open311/v2"

    services = client.get(f"{root}/services.json", headers=headers)
    assert services.status_code == 200
    assert_valid(services.json, "services.json")
    assert {service["service_code"] for service in services.json} >= {"barrier_report", "policy_input"}

    for service in services.json:
        definition = client.get(f"{root}/services/{service['service_code']}.json", headers=headers)
        assert definition.status_code == 200
        assert_valid(definition.json, "service-definition.json")
    barrier = client.get(f"{root}/services/barrier_report.json", headers=headers).json
    choice = next(a for a in barrier["attributes"] if a["code"] == "barrier")
    assert choice["datatype"] == "singlevaluelist" and {"key": "licensure", "name": "Licensure"} in choice["values"]
    mission = client.get(f"{root}/services/mission_notification.json", headers=headers).json
    assert {a["code"]: a["datatype"] for a in mission["attributes"]}["team_size"] == "number"

    listed = client.get(f"{root}/requests.json", headers=headers)
    assert listed.status_code == 200
    assert_valid(listed.json, "requests.json")
    assert [r["service_request_id"] for r in listed.json] == [ghana["sent"].reference]
    item = listed.json[0]
    assert item["status"] == "open" and item["agency_responsible"] == "Ghana Diaspora Health Desk"
    assert item["expected_datetime"].startswith(ghana["sent"].answer_by.isoformat())

    one = client.get(f"{root}/requests/{ghana['sent'].reference}.json", headers=headers)
    assert one.status_code == 200
    assert_valid(one.json, "requests.json")
    # The other country's submission is not this desk's: not found, by list or by reference.
    assert client.get(f"{root}/requests/{ghana['elsewhere'].reference}.json", headers=headers).status_code == 404
    assert client.get(f"{root}/services/no_such_topic.json", headers=headers).status_code == 404
    assert client.get(f"{root}/requests.xml", headers=headers).status_code == 404  # JSON only
    discovery = client.get(f"{root}/discovery.json", headers=headers).json
    assert discovery["endpoints"][0]["url"].endswith(f"{root}/")


def test_a_public_reply_and_closing_show_in_status_and_notes(client, ghana):
    desk, sent, officer = ghana["desk"], ghana["sent"], ghana["officer"]
    work.reply(officer, sent, "We have written to the council.", sent.version)
    work.act(officer, sent, "resolve", sent.version, "The council now renews online.")
    db.session.commit()
    headers = bearer(service_token(officer, desk=desk))
    found = client.get(f"/api/v1/desks/{desk.id}/open311/v2/requests.json?status=closed", headers=headers).json
    assert_valid(found, "requests.json")
    assert found[0]["status"] == "closed" and found[0]["status_notes"] == "We have written to the council."
    assert client.get(f"/api/v1/desks/{desk.id}/open311/v2/requests.json?status=open", headers=headers).json == []


def test_a_desk_token_reads_only_its_own_desk(client, ghana):
    headers = bearer(service_token(ghana["officer"], desk=ghana["desk"]))
    other = ghana["other"].id
    assert client.get(f"/api/v1/desks/{other}/open311/v2/requests.json", headers=headers).status_code == 404
    assert client.get(f"/api/v1/desks/{other}/open311/v2/services.json", headers=headers).status_code == 404


def test_a_member_posts_a_request_with_a_token_and_reads_only_their_own(client, ghana):
    member = UserFactory(name="Kofi Boateng")
    db.session.commit()
    headers = bearer(personal_token(member))
    services = client.get("/api/v1/open311/v2/services.json?jurisdiction_id=GH", headers=headers)
    assert_valid(services.json, "services.json")
    posted = client.post("/api/v1/open311/v2/requests.json", headers=headers, data={
        "jurisdiction_id": "GH", "service_code": "barrier_report", "description": "Exam fees abroad",
        "attribute[barrier]": "funding", "attribute[what_happened]": "Fees are due in cedis only.",
        "attribute[what_would_help]": "Card payment."})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    reference = posted.json[0]["service_request_id"]
    assert reference.startswith("GH-")
    mine = client.get("/api/v1/open311/v2/requests.json", headers=headers).json
    assert_valid(mine, "requests.json")
    assert [r["service_request_id"] for r in mine] == [reference]
    assert mine[0]["description"] == "Exam fees abroad"
    assert mine[0]["agency_responsible"] == "Ghana Diaspora Health Desk"
    # Someone else's request is not theirs to read.
    assert client.get(f"/api/v1/open311/v2/requests/{ghana['sent'].reference}.json", headers=headers).status_code == 404
    # The desk sees it arrive, with the answers as the form would have taken them.
    desk_view = client.get(f"/api/v1/desks/{ghana['desk'].id}/open311/v2/requests.json",
                           headers=bearer(service_token(ghana["officer"], desk=ghana["desk"]))).json
    assert reference in [r["service_request_id"] for r in desk_view]


def test_a_request_missing_an_answer_is_refused_beside_it(client, ghana):
    headers = bearer(personal_token(ghana["member"]))
    refused = client.post("/api/v1/open311/v2/requests.json", headers=headers, data={
        "jurisdiction_id": "GH", "service_code": "mission_notification", "description": "A mission",
        "attribute[team_size]": "six"})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "answers.team_size"


def test_an_association_reads_only_the_requests_it_sent(client, ghana):
    membership = MembershipFactory(role="officer", status="active")
    association, officer = membership.association, membership.user
    sent = submissions.send(officer, country="GH", topic="policy_input", title="Retention policy",
                            answers={"policy_area": "Retention", "document": "The 2026 plan",
                                     "recommendation": "Bonding for two years, not five."},
                            show_identity=True, association=association)
    db.session.commit()
    headers = bearer(service_token(officer, association=association))
    found = client.get(f"/api/v1/associations/{association.slug}/open311/v2/requests.json", headers=headers)
    assert found.status_code == 200
    assert_valid(found.json, "requests.json")
    assert [r["service_request_id"] for r in found.json] == [sent.reference]
    assert client.get(f"/api/v1/associations/{association.slug}/open311/v2/requests/"
                      f"{ghana['sent'].reference}.json", headers=headers).status_code == 404
