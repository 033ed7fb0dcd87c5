"""The engagement dashboard of a desk's country: only consenting members, counts under
disclosure control on the page and in the CSV (threshold 10, configurable), fixed reporting
periods, the desk's officers only, a bounded number of statements, and the contributions
section equal to what was verified."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diaspora.contributions.impact import impact
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Mission
from diaspora.contributions.verification import verification
from diaspora.core import transaction
from diaspora.core.time import today
from diaspora.desks.engagement import engagement
from diaspora.desks.models import EngagementCount
from diaspora.desks.submissions import submissions
from diaspora.extensions import db
from diaspora.licensure.models import Licence, Regulator
from diaspora.members import consents
from tests.contributions.samples import values
from tests.factories import AssociationFactory, DeskOfficerFactory, MembershipFactory, ProfileFactory, UserFactory

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


def period_query(year: int, part: str = "year") -> str:
    return f"?year={year}&part={part}"


def last_year() -> int:
    """A year wholly past, whatever today is: contributions in its months can be verified."""
    return today().year - 1


def csv_of(client, desk, table: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/desks/{desk.id}/dashboard/{table}.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_only_members_who_share_with_the_desk_are_counted(client, ghana):
    sharing = [member(cadre="nurse") for _ in range(11)]
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
    assert stats(html)["members share their profile with the desk"] == "11"
    assert row(html, "cadre", "Nurse") == ["11"]

    consents.change_consents(sharing[0], directory=False, desks={"GH": False})
    db.session.commit()
    assert row(page(client, ghana), "cadre", "Nurse") == ["11"]  # the figures are as of the last count
    refresh()
    html = page(client, ghana)
    assert row(html, "cadre", "Nurse") == ["10"]
    assert stats(html)["members share their profile with the desk"] == "10"


def test_counts_under_ten_show_as_less_than_ten_on_the_page_and_in_the_csv(client, ghana):
    for _ in range(14):
        member(cadre="nurse", host_country="GB")
    for _ in range(2):
        member(cadre="doctor", host_country="US")
    refresh()

    html = page(client, ghana)
    # 2 doctors is small; the nurses are then hidden too, or 16 - 14 would give the doctors away.
    assert row(html, "cadre", "Doctor") == ["<10"]
    assert row(html, "cadre", "Nurse") == ["*"]
    assert row(html, "cadre", "Total") == ["16"]
    # A country is named from 10 members up; the rest are added up, and hidden like any count.
    assert "United States" not in section(html, "host-country")
    assert row(html, "host-country", "Other countries") == ["<10"]
    assert row(html, "host-country", "United Kingdom") == ["*"]
    assert "14" not in section(html, "cadre") + section(html, "host-country")
    # Counts not shown come after the shown ones, by name: in order of size they would tell which is larger.
    assert csv_of(client, ghana, "cadre")[1:] == [["Doctor", "<10"], ["Nurse", "*"], ["Total", "16"]]
    host = csv_of(client, ghana, "host-country")
    assert host[1:] == [["United Kingdom", "*"], ["Other countries", "<10"], ["Total", "16"]]
    assert "members share their profile with the desk" in stats(html)
    assert "A count from 1 to 9 shows as &lt;10" in html


def test_fewer_members_than_the_threshold_are_not_broken_down(client, ghana):
    for cadre in ("nurse", "nurse", "doctor", "midwife"):
        member(cadre=cadre, host_country="GB")
    refresh()

    html = page(client, ghana)
    assert stats(html)["members share their profile with the desk"] == "<10"
    cadre = section(html, "cadre")
    assert "Fewer than 10: not broken down" in cadre
    assert "Nurse" not in cadre and "Doctor" not in cadre
    assert row(html, "cadre", "Total") == ["<10"]
    assert csv_of(client, ghana, "cadre") == [["Cadre", "Members"], ["Total", "<10"]]
    assert csv_of(client, ghana, "licence-status") == [["Licence", "Members"], ["Total", "<10"]]


def test_the_threshold_is_the_configured_one(app, client, ghana):
    for _ in range(7):
        member(cadre="nurse")
    for _ in range(2):
        member(cadre="doctor")
    app.config["DISCLOSURE_THRESHOLD"] = 5
    try:
        refresh()
        html = page(client, ghana)
        assert row(html, "cadre", "Doctor") == ["<5"]
        assert row(html, "cadre", "Nurse") == ["*"]
        assert row(html, "cadre", "Total") == ["9"]
        assert "A count from 1 to 4 shows as &lt;5" in html
        assert csv_of(client, ghana, "cadre")[1:] == [["Doctor", "<5"], ["Nurse", "*"], ["Total", "9"]]
    finally:
        app.config["DISCLOSURE_THRESHOLD"] = 10
    refresh()  # the figures are published again for the threshold now in force
    html = page(client, ghana)
    assert stats(html)["members share their profile with the desk"] == "<10"
    assert "Fewer than 10: not broken down" in section(html, "cadre")


@pytest.mark.parametrize("locale, note", [
    ("fr", "Un nombre de 1 à 9 s'affiche sous la forme &lt;10"),
    ("pt", "Um número de 1 a 9 aparece como &lt;10"),
])
def test_the_threshold_reads_the_same_in_every_language(client, login, ghana, locale, note):
    for _ in range(14):
        member(cadre="nurse")
    for _ in range(2):
        member(cadre="doctor")
    refresh()
    login(DeskOfficerFactory(desk=ghana, user=UserFactory(locale=locale)).user)
    html = page(client, ghana).replace("&#39;", "'")
    assert note in html
    assert ">&lt;10</td>" in html and ">&lt;10</text>" not in html  # members have no chart
    text = client.get(f"/desks/{ghana.id}/dashboard/cadre.csv").get_data(as_text=True)
    assert ",<10" in text and "<5" not in text


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
    year = last_year()
    april, may = date(year, 4, 10), date(year, 5, 10)
    first = AssociationFactory()
    second = AssociationFactory()
    officers = [MembershipFactory(association=a, officer=True).user for a in (first, second)]
    people = [MembershipFactory(association=a).user for a in (first, second)]
    verify_in(first, officers[0], people[0], 12, kind="training", region="GH-AA", starts_on=april, ends_on=april)
    verify_in(second, officers[1], people[1], 15, kind="mentoring", region="GH-AA", starts_on=may, ends_on=may)
    # Not counted: verified in another country, sent but not verified, a draft.
    verify_in(first, officers[0], people[0], 3, kind="training", country="NG", starts_on=april, ends_on=april)
    waiting = logbook.log(people[0], values("Waiting", kind="training", starts_on=april, ends_on=april))
    logbook.submit(people[0], waiting, first)
    logbook.log(people[0], values("Draft", kind="training", starts_on=april, ends_on=april))
    transaction.commit()

    html = page(client, ghana, period_query(year))
    assert stats(html)["verified contributions"] == "0"  # published by the hourly job, not yet run
    refresh()
    html = page(client, ghana, period_query(year))
    assert stats(html)["verified contributions"] == "27"  # summed over both associations
    assert row(html, "contributions-by-kind", "Training") == ["12"]
    assert row(html, "contributions-by-kind", "Mentoring") == ["15"]
    assert row(html, "contributions-by-region", "Greater Accra") == ["27"]
    assert row(html, "contributions-by-month", impact.month_label(april)) == ["12"]
    assert row(html, "contributions-by-month", impact.month_label(may)) == ["15"]
    assert row(html, "contributions-by-month", impact.month_label(date(year, 6, 1))) == ["0"]
    assert "Figures as of" in html.split('id="contributions"', 1)[1]
    chart = html.split('id="contributions-by-kind-chart-title"')[1].split("</svg>")[0]
    assert ">Training</text>" in chart and ">12</text>" in chart
    assert csv_of(client, ghana, "contributions-by-kind", period_query(year))[1:] == [
        ["Mentoring", "15"], ["Training", "12"], ["Total", "27"]]

    # A month, a quarter: the same counts, narrowed.
    html = page(client, ghana, period_query(year, "04"))
    assert stats(html)["verified contributions"] == "12"
    assert row(html, "contributions-by-kind", "Training") == ["12"]
    assert "contributions-by-month" not in html  # a month has no months to show
    assert "Mentoring" not in section(html, "contributions-by-kind")
    html = page(client, ghana, period_query(year, "q2"))
    assert stats(html)["verified contributions"] == "27"
    assert [row(html, "contributions-by-month", impact.month_label(date(year, month, 1))) for month in (4, 5, 6)] == [
        ["12"], ["15"], ["0"]]
    # A bad value is left out with a message; the default is this year.
    html = page(client, ghana, "?year=soon")
    assert "We can show the years from 1980" in html
    assert f"Verified contributions in {today().year}" in html


def test_old_links_with_a_range_of_months_get_a_clear_answer(client, ghana):
    year = last_year()
    html = page(client, ghana, f"?from={year}-06&to={year}-08")
    assert "no longer shows a range of months chosen freely" in html
    assert f"Verified contributions in {year}" in html  # the year of the range's last month
    html = page(client, ghana, f"?from={year}-04&to={year}-06")  # exactly a quarter: shown as one
    assert "no longer shows" not in html
    assert "Verified contributions in 2nd quarter" in html
    response = client.get(f"/desks/{ghana.id}/dashboard/contributions-by-kind.csv?from={year}-06&to={year}-08")
    assert response.status_code == 400
    assert "no longer shows a range of months chosen freely" in response.get_data(as_text=True)
    assert client.get(f"/desks/{ghana.id}/dashboard?year={year}&part=q9").status_code == 200
    assert client.get(f"/desks/{ghana.id}/dashboard?year=99999999999").status_code == 200


def test_a_count_hidden_on_one_page_is_hidden_on_every_page(client, ghana):
    """The problem as it was seen: June to August 9, June to July 5, so August 4. With fixed
    periods, August's count is a row of its quarter's and its year's trend, and the total of its
    own month's page: the same text on each, and no page gives it away."""
    year = last_year()
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    person = MembershipFactory(association=association).user
    for month, count in ((6, 3), (7, 2), (8, 4), (9, 14), (10, 12)):
        day = date(year, month, 5)
        verify_in(association, officer, person, count, kind="training", region="GH-AA", starts_on=day, ends_on=day)
    transaction.commit()
    refresh()

    august = impact.month_label(date(year, 8, 1))
    texts = {
        "year": row(page(client, ghana, period_query(year)), "contributions-by-month", august),
        "quarter": row(page(client, ghana, period_query(year, "q3")), "contributions-by-month", august),
        "month": [stats(page(client, ghana, period_query(year, "08")))["verified contributions"]],
    }
    assert len({tuple(text) for text in texts.values()}) == 1, texts
    assert texts["year"] != ["4"]
    assert "4" not in {cell for line in csv_of(client, ghana, "contributions-by-month", period_query(year, "q3"))
                       for cell in line}


def test_small_contribution_counts_are_protected_in_the_chart_too(client, ghana):
    year = last_year()
    day = date(year, 3, 10)
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    person = MembershipFactory(association=association).user
    verify_in(association, officer, person, 2, kind="mission", region="GH-AA", starts_on=day, ends_on=day)
    verify_in(association, officer, person, 12, kind="training", region="GH-AA", starts_on=day, ends_on=day)
    transaction.commit()
    refresh()

    html = page(client, ghana, period_query(year))
    assert row(html, "contributions-by-kind", "Mission") == ["<10"]
    assert row(html, "contributions-by-kind", "Training") == ["*"]
    chart = html.split('id="contributions-by-kind-chart-title"')[1].split("</svg>")[0]
    assert ">&lt;10</text>" in chart and ">*</text>" in chart and ">12</text>" not in chart and ">2</text>" not in chart
    # A count not shown is drawn hatched across its track, never as a bar of its size (nor as 0),
    # with presentation attributes only: no inline style, which the Content-Security-Policy refuses.
    assert chart.count('class="chart__suppressed"') == 2
    assert 'fill="url(#contributions-by-kind-chart-hatch)"' in chart
    assert "style=" not in chart

    # Under a year's count below 10 nothing is shown: not its months, nor which of them are empty.
    html = page(client, ghana, period_query(year, "03"))
    assert row(html, "contributions-by-kind", "Mission") == ["–"]
    assert row(html, "contributions-by-kind", "Training") == ["*"]  # else 14 - 12 would give March's missions away
    assert row(page(client, ghana, period_query(year, "q1")), "contributions-by-kind", "Mission") == ["–"]
    assert csv_of(client, ghana, "contributions-by-kind", period_query(year, "03"))[1:] == [
        ["Mission", "–"], ["Training", "*"], ["Total", "14"]]


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
    answers = {"barrier": "licensure", "what_happened": "x", "what_would_help": "y"}
    for number in range(2):
        submissions.send(sender, country="GH", topic="barrier_report", title=f"Barrier {number}",
                         show_identity=False, answers=answers)
    transaction.commit()

    html = page(client, ghana)
    upcoming = section(html, "upcoming-missions")
    assert [f"Upcoming mission {n}" in upcoming for n in range(7)] == [True] * 5 + [False] * 2
    assert "Mission in Nigeria" not in html
    assert stats(html)["missions completed or reported"] == "<10"
    # 2 submitted in all: fewer than 10, so not broken down by topic or status.
    assert "Fewer than 10: not broken down" in section(html, "submissions")
    assert "Barrier report" not in section(html, "submissions")
    assert csv_of(client, ghana, "submissions")[-1][-1] == "<10"

    for number in range(12):
        submissions.send(sender, country="GH", topic="policy_input", title=f"Policy {number}", show_identity=False,
                         answers={"policy_area": "Retention", "document": "Plan", "recommendation": "x"})
    transaction.commit()
    html = page(client, ghana)
    assert row(html, "submissions", "Barrier report")[-1] == "<10"
    assert row(html, "submissions", "Policy input")[-1] != "12"  # else 14 - 12 would give the barriers away


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
    grow(40, 15)
    with count_queries() as large:
        html = client.get(path).get_data(as_text=True)
    assert row(html, "cadre", "Nurse") != ["<10"]
    assert large.count == small.count
    assert large.count <= 14, large.statements
