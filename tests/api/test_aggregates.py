"""A desk's figures for national reporting: the CSV keyed by data element x period x place
with ISCO-08 codes, and the FHIR MeasureReport (validated by fhir.resources, R4B), both under
the dashboard's disclosure control: no count from 1 to the threshold minus one appears, and a
count the dashboard hides to protect it is hidden here too (the same published cells)."""

import csv
import io

import pytest
from fhir.resources.R4B.measurereport import MeasureReport

from diaspora.core import transaction
from diaspora.desks.engagement import engagement
from diaspora.extensions import db
from diaspora.members import consents
from diaspora.members.models import CADRES
from tests.api.support import bearer, service_token
from tests.factories import DeskOfficerFactory, ProfileFactory

THRESHOLD = 10


def member(cadre: str, host: str = "GB"):
    made = ProfileFactory(heritage=["GH"], cadre=cadre, host_country=host)
    consents.change_consents(made.user, directory=False, desks={"GH": True})
    db.session.commit()


@pytest.fixture
def ghana(db):
    officer = DeskOfficerFactory(desk__country="GH", desk__name="Ghana Desk")
    for _ in range(14):
        member("nurse")
    for _ in range(2):
        member("doctor", "US")
    for _ in range(12):
        member("midwife", "DE")
    engagement.refresh()
    transaction.commit()
    return {"desk": officer.desk, "headers": bearer(service_token(officer.user, desk=officer.desk))}


def rows_of(client, url: str, headers) -> list[dict]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_csv_is_keyed_by_element_period_place_with_isco_and_nothing_small(client, ghana):
    rows = rows_of(client, f"/api/v1/desks/{ghana['desk'].id}/aggregates.csv", ghana["headers"])
    cadres = {row["category_option"]: row for row in rows
              if row["data_element"] == "DHN_DIASPORA_HW_SHARING" and row["category"] == "occupation"}
    assert {code: row["isco08"] for code, row in cadres.items()} == {"nurse": "2221", "midwife": "2222",
                                                                     "doctor": "221"}
    # 2 doctors is under the threshold: no value, suppressed; another cadre is hidden with them,
    # or 28 minus the others would give the doctors away. Exactly as the dashboard shows them.
    assert cadres["doctor"]["value"] == "" and cadres["doctor"]["status"] == "suppressed"
    assert [cadres[c]["status"] for c in ("nurse", "midwife")].count("suppressed") == 1
    board = client.get(f"/api/v1/desks/{ghana['desk'].id}/engagement", headers=ghana["headers"]).json
    on_board = {row["label"]: row["cells"][0]["value"] for table in board["tables"] if table["slug"] == "cadre"
                for row in table["rows"]}
    assert on_board == {str(CADRES[code]): int(row["value"]) if row["value"] else None
                        for code, row in cadres.items()}
    total = next(row for row in rows if row["data_element"] == "DHN_DIASPORA_HW_SHARING" and row["category"] == "")
    assert total["value"] == "28" and total["place"] == "GH"
    for row in rows:
        assert row["value"] == "" or int(row["value"]) == 0 or int(row["value"]) >= THRESHOLD, row
        assert (row["value"] == "") == (row["status"] == "suppressed")


def test_the_measure_report_validates_and_leaves_out_what_is_suppressed(client, ghana):
    response = client.get(f"/api/v1/desks/{ghana['desk'].id}/fhir/MeasureReport", headers=ghana["headers"])
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    report = response.json
    MeasureReport.model_validate(report)
    assert report["type"] == "summary" and report["subject"]["identifier"]["value"] == "GH"
    group = report["group"][0]
    assert group["measureScore"]["value"] == 28
    scores = []
    for stratifier in group["stratifier"]:
        for stratum in stratifier["stratum"]:
            scores.append(stratum["measureScore"]["value"])
    assert scores and all(score == 0 or score >= THRESHOLD for score in scores)
    occupation = next(s for s in group["stratifier"] if s["code"][0]["coding"][0]["code"] == "occupation")
    shown = [(st["value"]["coding"][0]["code"], st["measureScore"]["value"]) for st in occupation["stratum"]]
    assert shown in ([("2221", 14)], [("2222", 12)])  # the doctors and the cadre hidden with them are left out


def test_a_period_with_nothing_published_is_an_empty_report_that_still_validates(client, ghana):
    response = client.get(f"/api/v1/desks/{ghana['desk'].id}/fhir/MeasureReport?period=2001-Q1",
                          headers=ghana["headers"])
    assert response.status_code == 200
    MeasureReport.model_validate(response.json)
    assert response.json["group"] == []
