"""The impact dashboard: its figures are what the association verified (and only that), in the
months asked for, from the rollups alone; and the rollups always equal a real count, after
every kind of change a contribution goes through."""

import csv
import io
import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.auth import services as accounts
from diaspora.contributions.impact import impact, rollups
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution
from diaspora.contributions.verification import verification
from diaspora.core import transaction
from diaspora.core.domain import DomainError
from diaspora.core.time import today
from diaspora.extensions import db
from tests.contributions.samples import values
from tests.factories import DEFAULT_PASSWORD, AssociationFactory, MembershipFactory, UserFactory

STAT = re.compile(r'<span class="stat__number">([^<]*)</span>\s*<span class="stat__label">([^<]*)</span>')


def this_month():
    return today().replace(day=1)


def months_ago(count: int):
    return impact.add_months(this_month(), -count)


@pytest.fixture
def tenant():
    association = AssociationFactory(slug="ghana-uk")
    officer = MembershipFactory(association=association, officer=True).user
    member = MembershipFactory(association=association).user
    return association, officer, member


def verified(member, officer, association, title, **more):
    made = logbook.log(member, values(title, **more))
    logbook.submit(member, made, association)
    verification.verify(officer, made)
    return made


def sent(member, association, title, **more):
    made = logbook.log(member, values(title, **more))
    logbook.submit(member, made, association)
    return made


def stats(html: str) -> dict[str, str]:
    return {label.strip(): number.strip() for number, label in STAT.findall(html)}


def table_row(html: str, label: str) -> list[str]:
    """The cells of the first table row headed `label` (the charts' tables)."""
    found = re.search(r'<th scope="row"[^>]*>' + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert found, f"no row {label!r}"
    return [cell.strip() for cell in re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))]


def dashboard(client, path="/associations/ghana-uk/impact") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_figures_are_what_was_verified(client, login, tenant):
    association, officer, member = tenant
    verified(member, officer, association, "Critical care course", kind="training", hours=12, people_trained=30,
             country="GH", region="GH-AA", starts_on=months_ago(1), ends_on=months_ago(1))
    verified(member, officer, association, "Second course", kind="training", hours=6.5, people_trained=10,
             country="GH", region="GH-AA", starts_on=months_ago(2), ends_on=months_ago(2))
    verified(member, officer, association, "Clinic week", kind="mission", hours=40, patients_reached=210,
             country="NG", region=None, starts_on=months_ago(2), ends_on=months_ago(2))
    # Not verified: neither is counted.
    sent(member, association, "Awaiting", kind="mission", hours=100, patients_reached=1000, country="NG")
    logbook.log(member, values("A draft", kind="mission", hours=100, country="NG"))
    # Another association's verified work is not counted here either.
    other = AssociationFactory()
    other_officer = MembershipFactory(association=other, officer=True).user
    stranger = MembershipFactory(association=other).user
    verified(stranger, other_officer, other, "Elsewhere", hours=99, country="GH")
    transaction.commit()
    login(officer)

    html = dashboard(client)
    assert stats(html) == {"verified contributions": "3", "hours given": "58.5", "people trained": "40",
                           "patients reached": "210", "countries": "2"}
    assert table_row(html, "Training") == ["2", "18.5", "40", "0"]
    assert table_row(html, "Mission") == ["1", "40", "0", "210"]
    assert table_row(html, "Ghana") == ["2", "18.5", "40", "0"]
    assert table_row(html, "Nigeria") == ["1", "40", "0", "210"]
    assert table_row(html, "Greater Accra (Ghana)") == ["2", "18.5", "40", "0"]
    assert table_row(html, impact.month_label(months_ago(2))) == ["2", "46.5", "10", "210"]
    assert table_row(html, impact.month_label(months_ago(3))) == ["0", "0", "0", "0"]  # every month shown
    # The chart carries its labels and values as text.
    chart = html.split('id="by-kind-chart-title"')[1].split("</svg>")[0]
    assert ">Training</text>" in chart and ">2</text>" in chart


def test_the_months_narrow_the_figures_and_bad_values_are_left_out(client, login, tenant):
    association, officer, member = tenant
    for months, hours in ((0, 1), (4, 2), (24, 4)):
        verified(member, officer, association, f"{months} months ago", hours=hours,
                 starts_on=months_ago(months), ends_on=months_ago(months))
    transaction.commit()
    login(officer)

    assert stats(dashboard(client))["hours given"] == "3"  # the last 12 months by default
    month = months_ago(4).strftime("%Y-%m")
    narrowed = dashboard(client, f"/associations/ghana-uk/impact?from={month}&to={month}")
    assert stats(narrowed)["verified contribution"] == "1" and stats(narrowed)["hours given"] == "2"
    since = months_ago(30).strftime("%Y-%m")
    wider = dashboard(client, f"/associations/ghana-uk/impact?from={since}")
    assert stats(wider)["hours given"] == "7"
    assert "Month by month" in wider  # 31 months: still month by month (by year past 36)

    for query, message in (("from=banana", "We could not read the month “banana”"),
                           ("from=2026-13&to=", "We could not read the month “2026-13”"),
                           ("to=1970-01", "outside the months we can show"),
                           ("from=%00%ff", "We could not read the month"),
                           (f"from={month}&to={months_ago(6):%Y-%m}", "The first month you chose is after")):
        html = dashboard(client, "/associations/ghana-uk/impact?" + query)
        assert message in html.replace("&#34;", '"'), query
        assert stats(html)["hours given"] == "3", query  # the default months instead
    csv_response = client.get("/associations/ghana-uk/impact.csv?from=nonsense")
    assert csv_response.status_code == 200


def test_a_long_range_is_drawn_by_year(client, login, tenant):
    association, officer, member = tenant
    verified(member, officer, association, "Long ago", starts_on=months_ago(40), ends_on=months_ago(40))
    transaction.commit()
    login(officer)
    html = dashboard(client, f"/associations/ghana-uk/impact?from={months_ago(40):%Y-%m}")
    assert "Year by year" in html
    assert table_row(html, str(months_ago(40).year))[0] == "1"


def test_reopening_a_verified_contribution_takes_it_out(client, login, tenant):
    association, officer, member = tenant
    kept = verified(member, officer, association, "Kept", hours=3)
    reopened = verified(member, officer, association, "Reopened", hours=5)
    transaction.commit()
    login(officer)
    assert stats(dashboard(client))["hours given"] == "8"

    logbook.reopen(member, reopened)
    transaction.commit()
    assert stats(dashboard(client))["hours given"] == "3"
    assert kept.is_verified


def test_the_csv_has_the_aggregates(client, login, tenant):
    association, officer, member = tenant
    month = months_ago(1)
    for hours in (2, 3):
        verified(member, officer, association, f"Talk {hours}", kind="tele_education", hours=hours,
                 people_trained=hours * 10, country="GH", region="GH-AH", starts_on=month, ends_on=month)
    verified(member, officer, association, "Mission", kind="mission", hours=10, patients_reached=50,
             country="NG", starts_on=month, ends_on=month)
    sent(member, association, "Not yet", kind="mission", hours=77, country="NG", starts_on=month, ends_on=month)
    transaction.commit()
    login(officer)

    response = client.get("/associations/ghana-uk/impact.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Month", "Country code", "Country", "Region code", "Region", "Kind",
                       "Verified contributions", "Hours", "People trained", "Patients reached"]
    assert sorted(rows[1:]) == sorted([
        [f"{month:%Y-%m}", "GH", "Ghana", "GH-AH", "Ashanti", "Tele-education", "2", "5", "50", "0"],
        [f"{month:%Y-%m}", "NG", "Nigeria", "", "", "Mission", "1", "10", "0", "50"],
    ])
    # The same months as the page: a range without that month is empty.
    empty = client.get(f"/associations/ghana-uk/impact.csv?from={months_ago(9):%Y-%m}&to={months_ago(8):%Y-%m}")
    assert len(empty.get_data(as_text=True).strip().splitlines()) == 1


def test_the_csv_is_written_a_batch_at_a_time_in_month_order(app, tenant, monkeypatch):
    """Constant memory: the rollup rows are read CSV_CHUNK at a time (one CSV row each), in the
    order of the index on (association, month, ...), never all at once."""
    association, officer, member = tenant
    for months, country in ((3, "GH"), (1, "NG"), (2, "KE"), (1, "GH"), (3, "NG")):
        verified(member, officer, association, f"Talk {months}{country}", kind="tele_education", hours=1,
                 country=country, starts_on=months_ago(months), ends_on=months_ago(months))
    transaction.commit()
    monkeypatch.setattr(impact, "CSV_CHUNK", 2)
    with app.test_request_context():
        pieces = list(impact.csv_rows(association.id, impact.Period.from_args({})[0], "en"))
    assert [piece.count("\r\n") for piece in pieces] == [1, 2, 2, 1]
    rows = list(csv.reader(io.StringIO("".join(pieces).lstrip("\ufeff"))))[1:]
    assert [(row[0], row[1]) for row in rows] == sorted((row[0], row[1]) for row in rows)


def test_nothing_verified_yet_points_to_the_queue(client, login, tenant):
    association, officer, member = tenant
    sent(member, association, "Waiting")
    transaction.commit()
    login(officer)
    html = dashboard(client)
    assert "Nothing has been verified yet" in html
    assert 'href="/associations/ghana-uk/verification"' in html
    assert "stat__number" not in html


def test_verified_long_ago_only_says_so_for_these_months(client, login, tenant):
    association, officer, member = tenant
    verified(member, officer, association, "Long ago", starts_on=months_ago(30), ends_on=months_ago(30))
    transaction.commit()
    login(officer)
    html = dashboard(client)
    assert "Nothing verified in these months" in html and "Nothing has been verified yet" not in html


def test_only_the_associations_officers_see_it(client, login, tenant):
    association, officer, member = tenant
    verified(member, officer, association, "Secret figures", hours=3)
    other = AssociationFactory()
    other_officer = MembershipFactory(association=other, officer=True).user
    transaction.commit()
    for path in ("/associations/ghana-uk/impact", "/associations/ghana-uk/impact.csv"):
        # An approved association's public page is open to all, so the policy answers 403 (may
        # see it, may not manage it) rather than 404; neither shows a figure.
        for outsider in (other_officer, member):
            login(outsider)
            refused = client.get(path)
            assert refused.status_code in (403, 404)
            assert "stat__number" not in refused.get_data(as_text=True)
        login(officer)
        assert client.get(path).status_code == 200
    pending = AssociationFactory(slug="pending-one", status="pending")
    MembershipFactory(association=pending, officer=True)
    transaction.commit()
    login(other_officer)
    assert client.get("/associations/pending-one/impact").status_code == 404  # not even seen


def test_the_statements_do_not_grow_with_the_contributions(client, login, tenant, count_queries):
    association, officer, member = tenant
    login(officer)

    def statements(more: int) -> tuple[int, str]:
        for index in range(more):
            verified(member, officer, association, f"Talk {index}", kind=["training", "mission", "research"][index % 3],
                     country=["GH", "NG", "KE"][index % 3], starts_on=months_ago(index % 6),
                     ends_on=months_ago(index % 6))
        transaction.commit()
        with count_queries() as counter:
            html = dashboard(client)
        return counter.count, stats(html)["verified contributions"]

    assert statements(3) [1] == "3"
    few = statements(0)[0]
    many, shown = statements(27)
    assert shown == "30"
    assert few == many
    with count_queries() as counter:
        client.get("/associations/ghana-uk/impact")
    assert not [s for s in counter.statements if "FROM contributions" in s]  # the rollups only


# ---------------------------------------------------------------------------- rollups stay true


def assert_rollups_true() -> None:
    transaction.commit()
    db.session.expire_all()
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())


def test_every_kind_of_change_keeps_the_rollups_true(app, tenant):
    association, officer, member = tenant
    colleague = MembershipFactory(association=association).user
    made = logbook.log(member, values("Logged", kind="training", hours=2, people_trained=5, region="GH-AA"))
    assert_rollups_true()
    logbook.submit(member, made, association)
    assert_rollups_true()
    verification.verify(officer, made)
    assert_rollups_true()
    assert rollups.stored() != {}
    logbook.reopen(member, made)
    assert_rollups_true()
    logbook.update(member, made, values("Changed", kind="mission", hours=7, patients_reached=9),
                   made.version)
    logbook.submit(member, made, association)
    verification.return_to_member(officer, made, "Please add the dates of each session.")
    assert_rollups_true()
    logbook.submit(member, made, association)
    logbook.withdraw(member, made)
    assert_rollups_true()
    logbook.delete(member, made)
    assert_rollups_true()

    batch = [logbook.log(colleague, values(f"Batch {n}", hours=n, starts_on=months_ago(n % 3),
                                           ends_on=months_ago(n % 3))) for n in range(4)]
    for contribution in batch:
        logbook.submit(colleague, contribution, association)
    assert verification.verify_many(officer, association, [c.id for c in batch] + [999999]) == 4
    assert_rollups_true()
    assert sum(row[0] for row in rollups.stored().values()) == 4

    # Erasure: a verified contribution stays in the totals without its member; the rest goes.
    sent(colleague, association, "Waiting")
    accounts.delete_account(db.session.get(accounts.User, colleague.id), DEFAULT_PASSWORD)
    assert_rollups_true()
    assert sum(row[0] for row in rollups.stored().values()) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)
                             .where(Contribution.user_id.is_(None))) == 4


# Weighted towards the steps that lead to "verified", so that every walk gets there and back.
CHANGES = ["log"] * 2 + ["submit"] * 3 + ["verify"] * 3 + ["verify_many", "return", "reopen", "withdraw", "delete",
                                                           "erase"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_random_walk_of_changes_keeps_the_rollups_true(app, seed):
    """The property: whatever sequence of changes happens (each refused change rolled back),
    the stored rollups equal a count of the verified contributions, after every step."""
    rng = random.Random(seed)
    associations = [AssociationFactory(), AssociationFactory()]
    officers = [MembershipFactory(association=a, officer=True).user for a in associations]
    people = []
    for _ in range(5):
        person = UserFactory()
        for association in associations:
            MembershipFactory(association=association, user=person)
        people.append(person)
    contributions: list[int] = []
    most_verified = 0
    for _ in range(90):
        change = rng.choice(CHANGES)
        chosen = db.session.get(Contribution, rng.choice(contributions)) if contributions else None
        if chosen is not None and chosen.user is None and change not in ("verify", "verify_many", "return"):
            continue  # an erased member's contribution: only its association can still act on it
        index = rng.randrange(2)
        try:
            if change == "log" or chosen is None:
                person = rng.choice([p for p in people if db.session.get(accounts.User, p.id)] or [None])
                if person is None:
                    break
                day = today() - timedelta(days=rng.randrange(0, 500))
                made = logbook.log(person, values(
                    f"Step {len(contributions)}", kind=rng.choice(["training", "mission"]),
                    hours=rng.choice([None, 1, 2.5]), starts_on=day, ends_on=day, country=rng.choice(["GH", "NG", ""]),
                    people_trained=rng.choice([None, 3])))
                contributions.append(made.id)
            elif change == "submit":
                logbook.submit(chosen.user, chosen, associations[index])
            elif change == "verify":
                officer = officers[associations.index(chosen.association)] if chosen.association else officers[0]
                verification.verify(officer, chosen)
            elif change == "verify_many":
                ids = rng.sample(contributions, min(3, len(contributions)))
                verification.verify_many(officers[index], associations[index], ids)
            elif change == "return":
                verification.return_to_member(officers[0], chosen, "Add your evidence, please.")
            elif change == "reopen":
                logbook.reopen(chosen.user, chosen)
            elif change == "withdraw":
                logbook.withdraw(chosen.user, chosen)
            elif change == "delete":
                logbook.delete(chosen.user, chosen)
                contributions.remove(chosen.id)
            elif change == "erase" and rng.random() < 0.3:
                accounts.delete_account(chosen.user, DEFAULT_PASSWORD)
                contributions = list(db.session.scalars(sa.select(Contribution.id)))
        except DomainError:
            transaction.rollback()
            contributions = list(db.session.scalars(sa.select(Contribution.id)))
            continue
        assert_rollups_true()
        most_verified = max(most_verified, sum(row[0] for row in rollups.stored().values()))
    assert_rollups_true()
    assert most_verified > 0  # the walk did reach the verified totals


@pytest.mark.postgres_only
def test_the_benchmarks_contributions_are_what_the_app_would_write(app):
    """bench/scale_data.py loads contributions in bulk: each passes the logbook's own rules, was
    sent to an association its member is active in, and the rollups it fills equal a real count."""
    from bench import scale_data
    from diaspora.associations.models import Membership
    from tests.factories import _DEFAULT_HASH

    with db.engine.begin() as connection:
        scale_data.grow_to(connection, 300, _DEFAULT_HASH)
        assert scale_data.grow_contributions_to(connection, 1200, _DEFAULT_HASH) > 1000
    db.session.expire_all()
    everything = list(db.session.scalars(sa.select(Contribution)))
    assert len(everything) == 1200
    statuses = [c.status for c in everything]
    assert statuses.count("verified") > len(everything) / 2 and len(set(statuses)) == 5
    active = {(m.user_id, m.association_id) for m in db.session.scalars(
        sa.select(Membership).where(Membership.status == "active"))}
    for contribution in everything:
        assert logbook._problem({name: getattr(contribution, name) for name in logbook.FIELDS}) is None
        if contribution.status != "draft":
            assert (contribution.user_id, contribution.association_id) in active
        assert (contribution.public_token is not None) == contribution.is_verified
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    portfolio_member = db.session.scalar(sa.select(accounts.User).where(
        accounts.User.email == scale_data.PORTFOLIO_EMAIL))
    assert len([c for c in everything if c.user_id == portfolio_member.id]) == scale_data.PORTFOLIO_SIZE
