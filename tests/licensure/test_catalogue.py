"""The regulator catalogue, kept by platform admins: unknown rules show as unknown, bad input
comes back with what was typed, a stale edit is refused, the reference data loads once."""

import re

import pytest

from diaspora.extensions import db
from diaspora.licensure.models import Regulator, SafeguardCountry
from tests.factories import UserFactory
from tests.helpers import audit_actions, row_count
from tests.licensure.samples import a_regulator

GOOD = {"country": "SL", "name": "Sierra Leone Medical and Dental Council", "short_name": "SLMDC",
        "cadres": "doctor;dentist", "renewal_cycle_months": "12", "renewal_due": "31 January",
        "cpd_required_per_cycle": "20", "cpd_unit": "credits", "special_rules": "",
        "lapse_consequence": "", "website": "https://slmdc.example.org", "source": "slmdc.example.org renewals page",
        "checked_on": "2026-10-01"}


@pytest.fixture
def admin(db, login):
    user = UserFactory(admin=True)
    login(user)
    return user


def beside(page: str, field: str) -> str:
    """The error shown beside a field."""
    match = re.search(rf'<p class="field-error" id="{field}-error">\s*<span class="visually-hidden">Error:</span>'
                      r'\s*([^<]*)</p>', page)
    return match.group(1).strip() if match else ""


def test_the_list_groups_regulators_by_country_and_shows_blank_rules_as_unknown(client, admin):
    kenya = a_regulator("KE", "NCK")  # its renewal date is blank in the reference data
    db.session.commit()
    page = client.get("/admin/regulators").get_data(as_text=True)
    assert 'id="country-KE"' in page and 'id="country-GH"' in page
    row = page.split(f'id="regulator-{kenya.id}"')[1].split("</tr>")[0]
    assert "Nursing Council of Kenya (NCK)" in row and "36 months" in row
    assert '<td data-label="When renewal is due"><span class="hint">Unknown</span></td>' in row
    assert "nckenya.com licensing page" in row and "Checked 1 November 2026" in row
    home = client.get("/admin").get_data(as_text=True).split('<main')[1]
    assert 'href="/admin/regulators"' in home  # linked from the admin's workspace


def test_an_admin_adds_a_regulator_and_a_blank_rule_stays_unknown(client, forms, admin):
    response = forms.submit("/admin/regulators/new", GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.query(Regulator).filter_by(short_name="SLMDC").one()
    assert (made.country, made.renewal_cycle_months, made.cpd_required_per_cycle) == ("SL", 12, 20.0)
    assert made.lapse_consequence is None and made.special_rules is None
    assert str(made.checked_on) == "2026-10-01"
    assert audit_actions(made) == ["regulator.added"]
    page = client.get("/admin/regulators").get_data(as_text=True)
    row = page.split(f'id="regulator-{made.id}"')[1].split("</tr>")[0]
    assert '<td data-label="If it lapses"><span class="hint">Unknown</span>' in row


def test_bad_input_comes_back_with_what_was_typed_and_a_message_beside_the_field(client, forms, admin):
    bad = {**GOOD, "renewal_cycle_months": "twelve", "website": "slmdc", "cpd_required_per_cycle": "lots"}
    response = forms.submit("/admin/regulators/new", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert beside(page, "renewal_cycle_months") == "Enter the cycle as a whole number of months, like 12."
    assert beside(page, "cpd_required_per_cycle") == "Enter the CPD required as a number, like 15."
    assert 'value="twelve"' in page and 'value="lots"' in page
    assert 'value="Sierra Leone Medical and Dental Council"' in page
    assert row_count(Regulator) == 0

    too_long = forms.submit("/admin/regulators/new", {**GOOD, "renewal_cycle_months": "600"}).get_data(as_text=True)
    assert beside(too_long, "renewal_cycle_months") == "Enter a number of months from 1 to 120."
    assert 'value="600"' in too_long

    wrong_site = forms.submit("/admin/regulators/new", {**GOOD, "website": "slmdc"}).get_data(as_text=True)
    assert beside(wrong_site, "website") == "Enter the full address of the website, like https://example.org"
    assert 'value="slmdc"' in wrong_site

    a_regulator("GH", "NMC")
    db.session.commit()
    taken = forms.submit("/admin/regulators/new", {**GOOD, "country": "GH", "short_name": "NMC"})
    assert taken.status_code == 422
    assert beside(taken.get_data(as_text=True), "short_name") == "Ghana already has a regulator called NMC."


def test_an_edit_is_saved_and_audited(client, forms, admin):
    regulator = a_regulator("GH", "NMC")
    db.session.commit()
    page = client.get(f"/admin/regulators/{regulator.id}/edit").get_data(as_text=True)
    assert 'value="nmcgh.org FAQs"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    changed = {**GOOD, "country": "GH", "name": regulator.name, "short_name": "NMC", "cpd_required_per_cycle": "20",
               "version": version}
    response = forms.submit(f"/admin/regulators/{regulator.id}/edit", changed)
    assert response.status_code == 302
    db.session.refresh(regulator)
    assert regulator.cpd_required_per_cycle == 20 and regulator.version == int(version) + 1
    assert audit_actions(regulator) == ["regulator.changed"]


def test_an_edit_made_on_a_stale_page_is_refused_and_shows_what_is_saved(client, forms, admin):
    regulator = a_regulator("GH", "NMC")
    db.session.commit()
    stale = str(regulator.version)
    regulator.renewal_due = "Saved meanwhile by another admin"
    db.session.commit()
    typed = {**GOOD, "country": "GH", "name": regulator.name, "short_name": "NMC", "renewal_due": "What I typed",
             "version": stale}
    response = forms.submit(f"/admin/regulators/{regulator.id}/edit", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone saved a change first" in page and "Saved meanwhile by another admin" in page
    assert 'value="What I typed"' in page
    db.session.refresh(regulator)
    assert regulator.renewal_due == "Saved meanwhile by another admin"
    saved_again = forms.submit(f"/admin/regulators/{regulator.id}/edit",
                               {**typed, "version": str(regulator.version)})
    assert saved_again.status_code == 302
    db.session.refresh(regulator)
    assert regulator.renewal_due == "What I typed"


def test_the_reference_data_loads_once_and_never_overwrites_a_correction(client, forms, admin):
    assert "No regulator yet" in client.get("/admin/regulators").get_data(as_text=True)
    first = forms.submit("/admin/regulators", {}, action="/admin/regulators/load")
    assert first.status_code == 302
    assert row_count(Regulator) == 10 and row_count(SafeguardCountry) == 55
    corrected = db.session.query(Regulator).filter_by(country="GH", short_name="NMC").one()
    corrected.cpd_required_per_cycle = 25
    db.session.commit()
    forms.submit("/admin/regulators", {}, action="/admin/regulators/load")
    page = client.get("/admin/regulators").get_data(as_text=True)
    assert "Nothing was missing" in page
    assert row_count(Regulator) == 10
    db.session.refresh(corrected)
    assert corrected.cpd_required_per_cycle == 25
    assert audit_actions() == ["licensure.reference_loaded"]


def test_members_cannot_reach_the_catalogue(client, forms, login):
    regulator = a_regulator("GH", "NMC")
    db.session.commit()
    login(UserFactory())
    assert client.get("/admin/regulators").status_code == 403
    assert client.get(f"/admin/regulators/{regulator.id}/edit").status_code == 403
    assert forms.submit("/licences", {}, action="/admin/regulators/load").status_code == 403
    assert 'href="/admin/regulators"' not in client.get("/licences").get_data(as_text=True)
