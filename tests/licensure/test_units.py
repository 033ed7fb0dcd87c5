"""CPD in the regulator's own unit: a regulator counting hours counts hours (a 70-hour verified
mission included), one counting units counts units, points are never compared with either; what
cannot be converted is listed, not counted, and the page says so; a conversion counts only where
the source gives one; each sentence is one translated template per unit, with its plural forms."""

import csv
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from diaspora.contributions.logbook import logbook
from diaspora.contributions.verification import verification
from diaspora.core.i18n import in_locale
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences, reference, units
from diaspora.licensure.models import Regulator
from diaspora.licensure.units import CpdUnit
from tests.contributions.samples import values as contribution_values
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import audit_actions
from tests.licensure.samples import a_regulator


@pytest.fixture
def member(db):
    user = UserFactory(name="Wanjiru Kamau")
    running = MembershipFactory(officer=True)
    MembershipFactory(association=running.association, user=user)
    user.officer = running.user
    user.association = running.association
    return user


def verified(member, title: str, **values):
    made = logbook.log(member, contribution_values(title, **values))
    logbook.submit(member, made, member.association)
    verification.verify(member.officer, made)
    return made


def licence_with(member, country: str, short_name: str):
    return licences.add_licence(member, {
        "regulator_id": a_regulator(country, short_name).id, "registration_number": "RN-1", "category": "full",
        "issued_on": None, "expires_on": today() + timedelta(days=200), "reminders": False})


def activity(member, title: str, hours=None, amount=None, unit=None):
    return licences.log_activity(member, title=title, provider=None, completed_on=today() - timedelta(days=5),
                                 hours=hours, amount=amount, unit=unit)


def pack_text(client, licence) -> str:
    response = client.get(f"/licences/{licence.id}/renewal-pack.pdf")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(page: str, title: str) -> str:
    return plain(page.split(title, 1)[1].split("</tr>", 1)[0])


def test_a_regulator_counting_hours_counts_hours_and_a_70_hour_verified_mission(client, login, member):
    kenya = licence_with(member, "KE", "NCK")  # 120 hours over 36 months
    verified(member, "Surgical mission in Kisumu", kind="mission", hours=70, cpd_points=None)
    activity(member, "Wound care course", hours=8, amount=6, unit="points")
    activity(member, "Ethics e-module", amount=2, unit="credits")  # no hours: nothing to count here
    db.session.commit()
    login(member)

    page = plain(client.get("/licences").get_data(as_text=True))
    assert "78 of 120 hours" in page
    assert "Still missing 42 of the 120 hours required." in page
    assert "1 entry is listed but not counted: it gives no hours." in page
    assert '<progress max="100" value="65"' in client.get("/licences").get_data(as_text=True)

    detail = client.get(f"/licences/{kenya.id}").get_data(as_text=True)
    assert "70 hours" in row_of(detail, "Surgical mission in Kisumu")
    assert "Not counted" in row_of(detail, "Ethics e-module") and "2 credits" in row_of(detail, "Ethics e-module")
    assert "In all 78 hours" in plain(detail.split("<tfoot>")[1])
    # the rule in its unit, the source's words beside it as a note, not glued into the unit
    assert "CPD required per cycle 120 hours" in plain(detail)
    assert "About the CPD required 40 hours of training a year" in plain(detail)
    assert "hours (40 hours" not in detail

    text = pack_text(client, kenya)
    assert "78 hours counted in this cycle." in text
    assert "Still missing 42 of the 120 hours required." in text
    assert "In all 78 hours" in text
    assert "points" not in text.split("CPD in this cycle")[0].split("The regulator’s requirement")[1]


def test_a_regulator_counting_units_counts_units_only_and_lists_the_rest(client, login, member):
    nigeria = licence_with(member, "NG", "NMCN")  # 6 units, no conversion in its source
    activity(member, "Mandatory CPD programme, module 1", amount=2, unit="units")
    activity(member, "Grand round", hours=1, amount=3, unit="points")
    verified(member, "Midwifery skills drills", cpd_points=4, hours=2.5)
    db.session.commit()
    login(member)

    detail = client.get(f"/licences/{nigeria.id}").get_data(as_text=True)
    assert "2 of 6 units" in plain(detail)
    assert "Still missing 4 of the 6 units required." in plain(detail)
    assert ("2 entries are listed but not counted: they give no units, and no conversion to units is known."
            in plain(detail))
    assert "Not counted" in row_of(detail, "Grand round") and "Not counted" in row_of(detail, "Midwifery skills")
    assert "None in the source: hours are not converted" in detail

    text = pack_text(client, nigeria)
    assert "2 units counted in this cycle." in text and "Still missing 4 of the 6 units required." in text
    assert "In all 2 units" in text


def test_a_conversion_the_admin_enters_from_the_source_counts_hours(client, forms, login, member):
    nigeria = licence_with(member, "NG", "MDCN")  # 20 credits
    activity(member, "Trauma course", hours=3)
    activity(member, "Journal club", amount=5, unit="credits")
    verified(member, "Policy advice", kind="policy_advice", cpd_points=4, hours=None)
    admin = UserFactory(admin=True)
    db.session.commit()

    login(admin)
    regulator = nigeria.regulator
    edit = f"/admin/regulators/{regulator.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    fieldset = page.split('id="cpd-rule"')[1].split("</fieldset>")[0]
    assert "Source of these rules: press and professional-body reports" in fieldset  # the source beside the rule
    assert '<option selected value="credits">' in fieldset and 'value="from the previous year"' in fieldset
    values = {name: "" if value is None else str(value) for name, value in {
        field: getattr(regulator, field) for field in ("country", "name", "short_name", "cadres",
                                                       "renewal_cycle_months", "renewal_due", "cpd_required_per_cycle",
                                                       "cpd_unit", "cpd_note", "special_rules", "lapse_consequence",
                                                       "website", "source")}.items()}
    values.update(checked_on=regulator.checked_on.isoformat(), version=str(regulator.version),
                  cpd_hours_per_unit="1", source="mdcn.gov.ng CPD guidelines: 1 credit = 1 hour")
    response = forms.submit(edit, values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "regulator.changed" in audit_actions(regulator)
    db.session.refresh(regulator)
    assert (regulator.cpd_unit, regulator.cpd_hours_per_unit, regulator.cpd_note) == (
        "credits", 1.0, "from the previous year")

    login(member)
    detail = client.get(f"/licences/{nigeria.id}").get_data(as_text=True)
    assert "1 credit stands for 1 hour of CPD." in plain(detail)
    assert "3 credits" in row_of(detail, "Trauma course")  # 3 hours, converted as the source says
    assert "Not counted" in row_of(detail, "Policy advice")  # points, and no hours to convert
    assert "Still missing 12 of the 20 credits required." in plain(detail)


def test_the_catalogue_refuses_a_conversion_for_hours_and_keeps_what_was_typed(client, forms, login, db):
    regulator = a_regulator("KE", "NCK")
    login(UserFactory(admin=True))
    db.session.commit()
    edit = f"/admin/regulators/{regulator.id}/edit"
    values = {"country": "KE", "name": regulator.name, "short_name": "NCK", "cpd_required_per_cycle": "120",
              "cpd_unit": "hours", "cpd_hours_per_unit": "2", "cpd_note": "40 hours of training a year",
              "version": str(regulator.version)}
    response = forms.submit(edit, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A conversion from hours is for a regulator counting points, units or credits" in page
    assert 'value="2"' in page and '<option selected value="hours">' in page
    bad_unit = forms.submit(edit, {**values, "cpd_unit": "minutes", "cpd_hours_per_unit": ""})
    assert bad_unit.status_code == 422
    db.session.refresh(regulator)
    assert (regulator.cpd_unit, regulator.cpd_hours_per_unit) == ("hours", None)


def test_an_unknown_unit_counts_nothing_and_says_so(client, login, member):
    ghana = licence_with(member, "GH", "NMC")
    ghana.regulator.cpd_unit = None
    activity(member, "Advanced life support", hours=8, amount=6, unit="points")
    db.session.commit()
    login(member)
    page = plain(client.get("/licences").get_data(as_text=True))
    assert "We do not know what NMC counts CPD in, so nothing is counted towards it" in page
    assert "Still missing" not in page and "6 of 15" not in page
    detail = plain(client.get(f"/licences/{ghana.id}").get_data(as_text=True))
    assert "CPD required per cycle 15, in a unit we do not know" in detail
    text = pack_text(client, ghana)
    assert "We do not know what NMC counts CPD in, so nothing below is counted" in text
    assert "Advanced life support" in text and "Not counted" in text and "Still missing" not in text


def test_each_sentence_has_its_plural_forms_in_each_language(app):
    with app.test_request_context():
        with in_locale("en"):
            assert units.amount(CpdUnit.POINTS, 1) == "1 point"
            assert units.amount(CpdUnit.POINTS, 2) == "2 points"
            assert units.amount(CpdUnit.HOURS, 1.5) == "1.5 hours"
            assert units.missing(CpdUnit.HOURS, 3, 120) == "Still missing 3 of the 120 hours required."
            assert units.missing(CpdUnit.CREDITS, 0.5, 1) == "Still missing 0.5 of the 1 credit required."
            assert units.not_counted(CpdUnit.HOURS, 1) == "1 entry is listed but not counted: it gives no hours."
        with in_locale("fr"):
            assert units.amount(CpdUnit.POINTS, 1) == "1 point"
            assert units.amount(CpdUnit.HOURS, 1.5) == "1,5 heure"  # French: singular below 2
            assert units.amount(CpdUnit.HOURS, 120) == "120 heures"
            assert units.missing(CpdUnit.HOURS, 3, 120) == "Il manque encore 3 des 120 heures exigées."
        with in_locale("pt"):
            assert units.amount(CpdUnit.CREDITS, 1) == "1 crédito"
            assert units.amount(CpdUnit.UNITS, 2.5) == "2,5 unidades"
            assert units.missing(CpdUnit.HOURS, 3, 120) == "Ainda faltam 3 das 120 horas exigidas."


def test_the_reference_data_gives_each_regulator_its_unit_and_note(app, db):
    runner = app.test_cli_runner()
    import contextvars

    loaded = contextvars.Context().run(runner.invoke, args=["licences", "load-reference"])
    assert loaded.exit_code == 0, loaded.output
    by_name = {r.short_name: r for r in db.session.query(Regulator)}
    assert (by_name["NCK"].cpd_unit, by_name["NCK"].cpd_note) == ("hours", "40 hours of training a year")
    assert (by_name["NMC"].cpd_unit, by_name["NMC"].cpd_note) == (
        "points", "nurse assistants 10; senior staff and tutors 20")
    assert (by_name["MDPCZ"].cpd_unit, by_name["MDPCZ"].cpd_required_per_cycle) == (None, None)  # not found
    assert all(r.cpd_hours_per_unit is None for r in by_name.values())  # no source gives a conversion
    with open(reference.DATA / "regulators.csv", encoding="utf-8") as source:
        assert {row["cpd_unit"] for row in csv.DictReader(source)} <= {"", *CpdUnit}


def test_an_activity_gives_hours_an_amount_in_a_unit_or_both(client, forms, login, member):
    login(member)
    nothing = forms.submit("/licences/cpd/new", {"title": "Reading", "completed_on": today().isoformat()})
    assert nothing.status_code == 422
    assert "Enter the hours it took, the CPD it gave, or both." in nothing.get_data(as_text=True)
    saved = forms.submit("/licences/cpd/new", {"title": "Reading", "completed_on": today().isoformat(),
                                               "hours": "2,5", "amount": "3", "unit": "credits"})
    assert saved.status_code == 302
    page = plain(client.get("/licences").get_data(as_text=True))
    assert "Reading" in page and "2.5" in page and "3 credits" in page
