"""Periods when a member can take part in missions."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.core.time import today
from diaspora.members.models import Availability
from tests.factories import UserFactory
from tests.helpers import audit_actions, row_count


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def good() -> dict:
    return {"starts_on": day(10), "ends_on": day(24), "mode": "in_person", "note": "Two weeks at most"}


def test_a_period_is_added_and_shown_in_plain_words(client, forms, login, db):
    login(UserFactory())
    response = forms.submit("/profile/availability/new", good())
    assert response.status_code == 302
    period = db.session.scalars(sa.select(Availability)).one()
    page = client.get("/profile").get_data(as_text=True)
    starts = today() + timedelta(days=10)
    assert f"{starts.day} {starts:%B %Y}" in page
    assert "In person" in page and "Two weeks at most" in page
    assert audit_actions(period) == ["availability.added"]


def test_a_period_that_started_but_has_not_ended_is_accepted(forms, login):
    login(UserFactory())
    response = forms.submit("/profile/availability/new", {**good(), "starts_on": day(-3), "ends_on": day(0)})
    assert response.status_code == 302
    assert row_count(Availability) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"starts_on": ""}, "starts_on", "Enter the first day you are available."),
    ({"ends_on": ""}, "ends_on", "Enter the last day you are available."),
    ({"starts_on": "2027-02-30"}, "starts_on", "Enter a real date, like 2027-03-14."),
    ({"ends_on": "next week"}, "ends_on", "Enter a real date, like 2027-03-14."),
    ({"starts_on": day(20), "ends_on": day(19)}, "ends_on",
     "The last day must be the same as or after the first day."),
    ({"starts_on": day(-20), "ends_on": day(-1)}, "ends_on",
     "This period is already over: the last day must be today or later."),
    ({"mode": ""}, "mode", "Choose how you can take part."),
    ({"mode": "telepathy"}, "mode", "Not a valid choice."),
    ({"note": "n" * 201}, "note", "Keep the note to 200 characters."),
])
def test_each_wrong_field_is_explained_beside_it_and_what_was_typed_is_kept(forms, login, changes, field,
                                                                            message):
    login(UserFactory())
    data = {**good(), **changes}
    response = forms.submit("/profile/availability/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    if field != "note":
        assert 'value="Two weeks at most"' in page
    for date_field in ("starts_on", "ends_on"):
        if data[date_field]:
            assert f'value="{data[date_field]}"' in page  # even a wrong date comes back as typed
    assert row_count(Availability) == 0


def test_a_period_is_removed(client, forms, login, db):
    login(UserFactory())
    forms.submit("/profile/availability/new", good())
    period = db.session.scalars(sa.select(Availability)).one()
    response = forms.submit("/profile", {}, action=f"/profile/availability/{period.id}/delete")
    assert response.status_code == 302
    assert row_count(Availability) == 0
    assert audit_actions(period) == ["availability.added", "availability.deleted"]
    assert "That period of availability has been removed." in client.get("/profile").get_data(as_text=True)
