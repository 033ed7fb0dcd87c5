"""The member's own profile: filled in, shown back, stored in its tables, and never
overwritten by a stale form."""

import re

import pytest
import sqlalchemy as sa

from diaspora.core.models import AuditEvent
from diaspora.members.models import Profile, ProfileLanguage, ProfileSkill, Skill
from tests.factories import MembershipFactory, ProfileFactory, UserFactory
from tests.helpers import audit_actions, is_ticked, row_count
from tests.members.conftest import VERSION

GOOD_PROFILE = {
    "cadre": "nurse",
    "specialty": "Critical care",
    "host_country": "GB",
    "host_city": "Leeds",
    "heritage_countries": ["GH", "NG"],
    "languages": "English, Twi, fr",
    "skills": " Ultrasound ,mentoring,  Infection   Control, ultrasound",
    "return_interest": "short_missions",
    "return_horizon": "1_to_3_years",
}


def test_a_new_member_is_invited_to_fill_in_the_profile(client, login):
    login(UserFactory())
    page = client.get("/profile").get_data(as_text=True)
    assert "You have not filled in your profile yet" in page
    assert 'href="/profile/edit"' in page


def test_profile_round_trip(client, profile_forms, login, db):
    user = UserFactory()
    login(user)
    response = profile_forms.submit(GOOD_PROFILE)
    assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get("/profile").get_data(as_text=True)
    for shown in ("Nurse", "Critical care", "Leeds, United Kingdom", "Ghana, Nigeria", "English",
                  "Twi", "French", "infection control, mentoring, ultrasound",
                  "Short missions: in 1 to 3 years"):
        assert shown in page
    assert "You have not filled in your profile yet" not in page

    profile = db.session.get(Profile, user.id)
    assert profile.heritage_countries == ["GH", "NG"]
    assert sorted(row.language for row in profile.languages) == ["eng", "fra", "twi"]
    assert sorted(skill.name for skill in profile.skills) == ["infection control", "mentoring", "ultrasound"]
    assert audit_actions(user)[-1] == "profile.updated"

    # The form comes back with what is saved.
    form = client.get("/profile/edit").get_data(as_text=True)
    assert 'value="Critical care"' in form
    assert 'value="English, French, Twi"' in form
    assert 'value="infection control, mentoring, ultrasound"' in form
    assert is_ticked(form, "heritage_countries", "GH")


def test_saving_again_changes_only_what_changed_and_audits_it(profile_forms, login, db):
    user = UserFactory()
    login(user)
    profile_forms.submit(GOOD_PROFILE)
    response = profile_forms.submit({**GOOD_PROFILE, "heritage_countries": ["GH"],
                                              "skills": "ultrasound, triage", "return_interest": "none"})
    assert response.status_code == 302
    profile = db.session.get(Profile, user.id)
    db.session.refresh(profile)
    assert profile.heritage_countries == ["GH"]
    assert profile.return_interest == "none" and profile.return_horizon is None  # no horizon without interest
    assert sorted(skill.name for skill in profile.skills) == ["triage", "ultrasound"]
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "profile.updated"
    assert event.changes["heritage_countries"] == [["GH", "NG"], ["GH"]]
    assert event.changes["skills"] == [["infection control", "mentoring", "ultrasound"],
                                       ["triage", "ultrasound"]]
    assert event.changes["return_interest"] == ["short_missions", "none"]
    assert "cadre" not in event.changes


def test_skills_are_shared_rows_and_suggested_most_used_first(client, profile_forms, login, db):
    ultrasound, anaesthesia, rare = Skill(name="ultrasound"), Skill(name="anaesthesia"), Skill(name="rare")
    for skills in ([ultrasound, anaesthesia], [ultrasound], [rare, ultrasound, anaesthesia]):
        profile = ProfileFactory(heritage=["GH"])
        profile.skills.extend(skills)
        db.session.commit()
    db.session.add(Skill(name="unused"))
    db.session.commit()
    user = UserFactory()
    login(user)
    page = client.get("/profile/edit").get_data(as_text=True)
    assert '<datalist id="skill-suggestions">' in page and 'list="skill-suggestions"' in page
    assert "Skills other members list: ultrasound, anaesthesia, rare." in page  # most used first
    assert '<option value="unused">' not in page

    profile_forms.submit({**GOOD_PROFILE, "skills": "ULTRASOUND, teaching"})
    assert row_count(Skill) == 5  # "ultrasound" reused, "teaching" new
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(ProfileSkill).join(Skill).where(Skill.name == "ultrasound")
    ) == 4


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"cadre": ""}, "cadre", "Choose your profession."),
    ({"cadre": "wizard"}, "cadre", "Not a valid choice."),
    ({"heritage_countries": []}, "heritage_countries", "Choose at least one heritage country."),
    ({"heritage_countries": ["GH", "XX"]}, "heritage_countries", "Choose countries from the list."),
    ({"host_country": "ZZ"}, "host_country", "Choose a country from the list."),
    ({"languages": "English, Klingonese"}, "languages",
     "We don&#39;t know the language “Klingonese”"),
    ({"skills": "x" * 81}, "skills", "Each skill can be at most 80 characters"),
    ({"skills": ", ".join(f"skill {n}" for n in range(31))}, "skills",
     "List at most 30 skills; you listed 31."),
    ({"return_horizon": ""}, "return_horizon", "Choose when you might go"),
    ({"specialty": "s" * 121}, "specialty", "Keep the specialty to 120 characters."),
    ({"host_city": "c" * 121}, "host_city", "Keep the city to 120 characters."),
])
def test_each_wrong_field_is_explained_beside_it_and_what_was_typed_is_kept(profile_forms, login, changes,
                                                                            field, message):
    user = UserFactory()
    login(user)
    response = profile_forms.submit({**GOOD_PROFILE, "specialty": "Kept specialty", **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    if field != "specialty":
        assert 'value="Kept specialty"' in page
    if field != "languages":
        assert 'value="English, Twi, fr"' in page
    assert row_count(Profile) == 0


def test_a_stale_form_is_not_saved_and_the_person_is_told(client, profile_forms, login, db):
    user = UserFactory()
    ProfileFactory(user=user, heritage=["GH"], specialty="Old specialty")
    login(user)
    old_tab = client.get("/profile/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', old_tab).group(1)
    stale_version = VERSION.search(old_tab).group(1)

    # Another tab saves first.
    assert profile_forms.submit({**GOOD_PROFILE, "specialty": "Saved elsewhere"}).status_code == 302

    response = client.post("/profile/edit", data={**GOOD_PROFILE, "specialty": "Typed in the old tab",
                                                  "csrf_token": token, "version": stale_version})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone saved a change first" in page
    assert "<dt>Specialty</dt><dd>Saved elsewhere</dd>" in page  # what is saved now
    assert 'value="Typed in the old tab"' in page  # what they typed is kept
    profile = db.session.get(Profile, user.id)
    db.session.refresh(profile)
    assert profile.specialty == "Saved elsewhere"

    # Saving the form shown after the warning keeps what they typed.
    fresh_version = VERSION.search(page).group(1)
    assert fresh_version != stale_version
    again = client.post("/profile/edit", data={**GOOD_PROFILE, "specialty": "Typed in the old tab",
                                               "csrf_token": token, "version": fresh_version})
    assert again.status_code == 302
    db.session.refresh(profile)
    assert profile.specialty == "Typed in the old tab"


def test_changing_only_a_list_still_moves_the_version_on(client, profile_forms, login, db):
    user = UserFactory()
    login(user)
    profile_forms.submit(GOOD_PROFILE)
    before = db.session.get(Profile, user.id).version
    profile_forms.submit({**GOOD_PROFILE, "languages": "English"})
    db.session.expire_all()
    assert db.session.get(Profile, user.id).version == before + 1
    assert row_count(ProfileLanguage) == 1


def test_profile_page_runs_the_same_statements_for_one_or_eight_skills(client, profile_forms, login,
                                                                       count_queries):
    user = UserFactory()
    login(user)
    MembershipFactory(user=user)
    profile_forms.submit({**GOOD_PROFILE, "skills": "one"})
    with count_queries() as few:
        assert client.get("/profile").status_code == 200
    profile_forms.submit({**GOOD_PROFILE, "skills": ", ".join(f"skill {n}" for n in range(8)),
                                   "languages": "English, French, Twi, Ewe, Hausa, Yoruba, Igbo, Ga",
                                   "heritage_countries": ["GH", "NG", "KE", "ZW", "UG", "SL", "LR", "GM"]})
    with count_queries() as many:
        page = client.get("/profile").get_data(as_text=True)
    assert "skill 7" in page and "Gambia" in page
    assert many.count == few.count
