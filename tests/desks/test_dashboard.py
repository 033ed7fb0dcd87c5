"""The engagement dashboard of a desk's country: only consenting members, counts under
disclosure control on the page and in the CSV, the desk's officers only, a bounded number of
statements, and the contributions section equal to what was verified."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.contributions import impact, logbook, verification
from diaspora.contributions.models import Mission
from diaspora.core import transaction
from diaspora.core.time import today
from diaspora.desks import engagement, submissions
from diaspora.desks.models import EngagementCount
from diaspora.extensions import db
from diaspora.licensure.models import Licence, Regulator
from diaspora.members import consents
from tests.contributions.samples import values
from tests.factories import AssociationFactory, DeskOfficerFactory, MembershipFactory, ProfileFactory

STAT = re.compile(r'<span class="stat__number">([^<]*)</span>\s*<span class="stat__label">([^<]*)</span>')


def member(heritage=("GH",), shares=True, **profile):
    made = ProfileFactory(heritage=list(heritage), **profile)
    if shares:
        consents.change_consents(made.user, directory=False, desks={country: True for country in heritage})
    db.session.commit()
    return made.user


def refresh():
    engagement.refresh()
    transaction.commit()


@pytest.fixture
def ghana(login):
    officer = DeskOfficerFactory(desk__country="GH", desk__name="Ghana Desk")
    login(officer.user)
    return officer.desk


def page(client, desk, query: str = "") -> str:
    response = client.get(f"/desks/{desk.id}/dashboard{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, slug: str) -> str:
    return html.split(f'id="{slug}"', 1)[1].split("</section>", 1)[0]


def row(html: str, slug: str, label: str) -> list[str]:
    """The cells of the row headed `label` in the table `slug`."""
    found = re.search(r'<th scope="row"[^>]*>' + re.escape(label) + r"</th>(.*?)</tr>", section(html, slug), re.S)
    assert found, f"no row {label!r} in {slug}"
    return [cell.strip().replace("&lt;", "<") for cell in re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))]


def stats(html: str) -> dict[str, str]:
    return {label.strip(): number.strip().replace("&lt;", "<") for number, label in STAT.findall(html)}


def csv_of(client, desk, table: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/desks/{desk.id}/dashboard/{table}.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_only_members_who_share_with_the_desk_are_counted(client, ghana):
    sharing = [member(cadre="nurse") for _ in range(6)]
    member(cadre="nurse", shares=False)                       # Ghanaian heritage, no consent
    member(heritage=("NG",), cadre="nurse")                   # shares with Nigeria's desk only
    both = ProfileFactory(heritage=["GH", "NG"], cadre="nurse")
    consents.change_consents(both.user, directory=True, desks={"NG": True, "GH": False})
    db.session.commit()

    html = page(client, ghana)
    assert "Not counted yet" in html  # nothing until the job has run
    refresh()
    html = page(client, ghana)
    assert "Figures as of" in html
    assert stats(html)["members share their profile with the desk"] == "6"
    assert row(html, "cadre", "Nurse") == ["6"]

    consents.change_consents(sharing[0], directory=False, desks={"GH": False})
    db.session.commit()
    assert row(page(client, ghana), "cadre", "Nurse") == ["6"]  # the figures are as of the last count
    refresh()
    html = page(client, ghana)
    assert row(html, "cadre", "Nurse") == ["5"]
    assert stats(html)["members share their profile with the desk"] == "5"


def test_counts_under_five_show_as_less_than_five_on_the_page_and_in_the_csv(client, ghana):
    for _ in range(7):
        member(cadre="nurse", host_country="GB")
    for _ in range(2):
        member(cadre="doctor", host_country="US")
    refresh()

    html = page(client, ghana)
    # 2 doctors is small; the nurses are then hidden too, or 9 - 7 would give the doctors away.
    assert row(html, "cadre", "Doctor") == ["<5"]
    assert row(html, "cadre", "Nurse") == ["*"]
    assert row(html, "cadre", "Total") == ["9"]
    assert row(html, "host-country", "United States") == ["<5"]
    assert "7" not in row(html, "cadre", "Nurse") + row(html, "host-country", "United Kingdom")
    assert csv_of(client, ghana, "cadre")[1:] == [["Nurse", "*"], ["Doctor", "<5"], ["Total", "9"]]
    host = csv_of(client, ghana, "host-country")
    assert ["United States", "<5"] in host and ["Total", "9"] in host
    assert not any("7" in cell for line in host for cell in line)


def test_intentions_and_licences_are_counted_by_the_job(ghana):
    regulator = Regulator(country="GH", name="Nursing and Midwifery Council of Ghana", short_name="NMC")
    abroad = Regulator(country="GB", name="Nursing and Midwifery Council", short_name="NMC-UK")
    db.session.add_all([regulator, abroad])
    db.session.flush()
    day = today()
    expiries = {"active": day + timedelta(days=400), "expiring": day + timedelta(days=30),
                "lapsed": day - timedelta(days=1), "unknown": None}
    for status, expires_on in expiries.items():
        user = member(cadre="midwife", return_interest="short_missions", return_horizon="within_1_year")
        db.session.add(Licence(user_id=user.id, regulator_id=regulator.id, registration_number=status,
                               expires_on=expires_on))
    only_abroad = member(cadre="nurse", return_interest="permanent_return")
    db.session.add(Licence(user_id=only_abroad.id, regulator_id=abroad.id, registration_number="uk",
                           expires_on=day + timedelta(days=400)))
    db.session.commit()
    refresh()

    stored = {(row.dimension, row.value): row.count for row in db.session.scalars(
        sa.select(EngagementCount).where(EngagementCount.country == "GH"))}
    assert {value: count for (dimension, value), count in stored.items() if dimension == "licence_status"} == {
        "active": 1, "expiring": 1, "lapsed": 1, "unknown": 1, "none": 1}
    assert stored[("intention", "midwife|within_1_year")] == 4
    assert stored[("intention", "nurse|")] == 1
    assert stored[("return_interest", "short_missions")] == 4
    assert stored[("members", "")] == 5


def test_a_desk_officer_sees_only_their_own_desks_dashboard(client, ghana):
    nigeria = DeskOfficerFactory(desk__country="NG", desk__name="Nigeria Desk").desk
    assert client.get(f"/desks/{nigeria.id}/dashboard").status_code == 404
    assert client.get(f"/desks/{nigeria.id}/dashboard/cadre.csv").status_code == 404
    assert client.get(f"/desks/{ghana.id}/dashboard/cadre.csv").status_code == 200
    assert client.get(f"/desks/{ghana.id}/dashboard/not-a-table.csv").status_code == 404


def test_members_only_see_nothing(client, login):
    desk = DeskOfficerFactory(desk__country="GH").desk
    login(member(cadre="nurse"))
    assert client.get(f"/desks/{desk.id}/dashboard").status_code == 404


def verify_in(association, officer, person, count: int, **more):
    for number in range(count):
        made = logbook.log(person, values(f"Contribution {number}", **more))
        logbook.submit(person, made, association)
        verification.verify(officer, made)


def test_the_contributions_section_is_what_was_verified_in_the_country(client, ghana):
    this_month = today().replace(day=1)
    last_month, two_months_ago = impact.add_months(this_month, -1), impact.add_months(this_month, -2)
    first = AssociationFactory()
    second = AssociationFactory()
    officers = [MembershipFactory(association=a, officer=True).user for a in (first, second)]
    people = [MembershipFactory(association=a).user for a in (first, second)]
    verify_in(first, officers[0], people[0], 5, kind="training", region="GH-AA", starts_on=last_month,
              ends_on=last_month)
    verify_in(second, officers[1], people[1], 7, kind="mentoring", region="GH-AA", starts_on=two_months_ago,
              ends_on=two_months_ago)
    # Not counted: verified in another country, sent but not verified, a draft.
    verify_in(first, officers[0], people[0], 3, kind="training", country="NG", starts_on=last_month,
              ends_on=last_month)
    waiting = logbook.log(people[0], values("Waiting", kind="training", starts_on=last_month, ends_on=last_month))
    logbook.submit(people[0], waiting, first)
    logbook.log(people[0], values("Draft", kind="training", starts_on=last_month, ends_on=last_month))
    transaction.commit()

    html = page(client, ghana)
    assert stats(html)["verified contributions"] == "12"  # summed over both associations
    assert row(html, "contributions-by-kind", "Training") == ["5"]
    assert row(html, "contributions-by-kind", "Mentoring") == ["7"]
    assert row(html, "contributions-by-region", "Greater Accra") == ["12"]
    assert row(html, "contributions-by-month", impact.month_label(last_month)) == ["5"]
    assert row(html, "contributions-by-month", impact.month_label(two_months_ago)) == ["7"]
    assert row(html, "contributions-by-month", impact.month_label(this_month)) == ["0"]
    chart = html.split('id="contributions-by-kind-chart-title"')[1].split("</svg>")[0]
    assert ">Training</text>" in chart and ">5</text>" in chart
    assert csv_of(client, ghana, "contributions-by-kind")[1:] == [["Mentoring", "7"], ["Training", "5"],
                                                                  ["Total", "12"]]

    # The months narrow the trends; a bad value is left out with a message.
    month = last_month.strftime("%Y-%m")
    html = page(client, ghana, f"?from={month}&to={month}")
    assert stats(html)["verified contributions"] == "5"
    assert row(html, "contributions-by-kind", "Training") == ["5"]
    assert "Mentoring" not in section(html, "contributions-by-kind")
    html = page(client, ghana, "?from=soon")
    assert "We could not read the month “soon”" in html
    assert stats(html)["verified contributions"] == "12"


def test_small_contribution_counts_are_protected_in_the_chart_too(client, ghana):
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    person = MembershipFactory(association=association).user
    verify_in(association, officer, person, 2, kind="mission", region="GH-AA")
    verify_in(association, officer, person, 9, kind="training", region="GH-AA")
    transaction.commit()

    html = page(client, ghana)
    assert row(html, "contributions-by-kind", "Mission") == ["<5"]
    assert row(html, "contributions-by-kind", "Training") == ["*"]
    chart = html.split('id="contributions-by-kind-chart-title"')[1].split("</svg>")[0]
    assert ">&lt;5</text>" in chart and ">*</text>" in chart and ">9</text>" not in chart and ">2</text>" not in chart


def test_missions_and_submissions(client, ghana):
    association = AssociationFactory()
    day = today()
    for number in range(7):
        db.session.add(Mission(association_id=association.id, title=f"Upcoming mission {number}", country="GH",
                               starts_on=day + timedelta(days=10 + number), ends_on=day + timedelta(days=20 + number)))
    for status in ("completed", "reported", "cancelled"):
        db.session.add(Mission(association_id=association.id, title=f"Past {status}", country="GH", status=status,
                               starts_on=day - timedelta(days=60), ends_on=day - timedelta(days=50)))
    db.session.add(Mission(association_id=association.id, title="Mission in Nigeria", country="NG",
                           starts_on=day + timedelta(days=1), ends_on=day + timedelta(days=2)))
    sender = member(cadre="nurse")
    for number in range(2):
        submissions.send(sender, country="GH", topic="barrier_report", title=f"Barrier {number}",
                         show_identity=False, answers={"barrier": "licensure", "what_happened": "x",
                                                       "what_would_help": "y"})
    transaction.commit()

    html = page(client, ghana)
    upcoming = section(html, "upcoming-missions")
    assert [f"Upcoming mission {n}" in upcoming for n in range(7)] == [True] * 5 + [False] * 2
    assert "Mission in Nigeria" not in html
    assert stats(html)["missions completed or reported"] == "<5"
    assert row(html, "submissions", "Barrier report")[0] == "<5"  # 2 submitted
    assert csv_of(client, ghana, "submissions")[1][1] == "<5"


def test_the_dashboard_runs_a_bounded_number_of_statements(client, ghana, count_queries):
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    person = MembershipFactory(association=association).user

    def grow(members: int, contributions: int):
        for number in range(members):
            member(cadre=["nurse", "doctor", "midwife"][number % 3], specialty=f"Specialty {number % 4}",
                   host_country=["GB", "US", "CA"][number % 3], return_interest="short_missions",
                   return_horizon="within_1_year")
        verify_in(association, officer, person, contributions, kind="training", region="GH-AA")
        transaction.commit()
        refresh()

    path = f"/desks/{ghana.id}/dashboard"
    grow(3, 2)
    client.get(path)  # warm caches (translations, countries)
    with count_queries() as small:
        client.get(path)
    grow(20, 15)
    with count_queries() as large:
        html = client.get(path).get_data(as_text=True)
    assert row(html, "cadre", "Nurse") != ["<5"]
    assert large.count == small.count
    assert large.count <= 14, large.statements
