"""Every list and dashboard page reads through indexes, on a database large enough for the
planner to care (PostgreSQL only: SQLite's planner is another thing).

The pages are requested as a user would; every SELECT they send is captured with its
parameters and EXPLAINed; no plan may scan users, memberships, profiles, licences, the sharing
choices or the other big tables (GUARDED) sequentially. A directory search must also read a
page's worth, not every match: its statements are run (EXPLAIN ANALYZE) and none may sort more
than two pages of rows, nor read the trigram index of memberships, which returns every match in
the platform."""

import json
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from bench import desk_data, scale_data
from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.extensions import db
from tests.conftest import log_in_session
from tests.factories import _DEFAULT_HASH

pytestmark = pytest.mark.postgres_only

MEMBERSHIPS = 100_000
CONTRIBUTIONS = 300_000
SUBMISSIONS = 30_000
GUARDED = ("users", "memberships", "profiles", "membership_words", "search_words", "contributions",
           "contribution_rollups", "submissions", "licences", "licence_sharing", "shared_licences",
           "shared_licence_counts", "desk_sharing_consents")
SORTED_AT_MOST = 2 * 26  # rows a directory search may sort: two pages (of 25, and one to tell there is more)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
# Rows of the submissions any statement of the overdue queue may read: a page, or its two counts
# capped at 100 each (queue.ATTENTION_CAP) and the rows their filters step over; not every
# submission the desk received in the weeks it has to answer (731 here, by creation order).
OVERDUE_READ_AT_MOST = 3 * 100


def _pages(big: Association, small: Association, cursor: str, licence_cursor: str,
           searched: dict) -> list[tuple[str, str]]:
    """(who, path) for every list and dashboard an officer, member or admin opens."""
    directory = f"/associations/{big.slug}/directory"
    return [
        # the licence overview: counts by status and country for today, the licences lapsing
        # within 90 days (first page, a later one), and a small association's
        ("officer", f"/associations/{big.slug}/licences"),
        ("officer", f"/associations/{big.slug}/licences?after={licence_cursor}"),
        ("officer", f"/associations/{small.slug}/licences"),
        ("officer", directory),
        ("officer", directory + "?sort=newest"),
        ("officer", directory + "?status=lapsed"),
        # several words (directory._through_hops): a full name whose holders sit together in the
        # list, another further down, typed in another order, a rare one (a member's, with its
        # number), a name and the start of a specialty, two common names nobody has together,
        # next and previous pages, and one nobody in the big association has (no Kofi there)
        ("officer", directory + "?q=abena+mensah"),
        ("officer", directory + "?q=ifeoma+mensah"),
        ("officer", directory + "?" + urlencode({"q": "Mensah ABÉNA"})),
        ("officer", directory + "?" + urlencode({"q": searched["person"]})),
        ("officer", directory + "?q=mensah+anaesth"),
        ("officer", directory + "?q=mensah+boateng"),
        ("officer", directory + "?q=abena+mensah&after=" + searched["within"]),
        ("officer", directory + "?q=abena+mensah&before=" + searched["within"]),
        ("member", directory + "?q=abena+mensah"),
        ("officer", directory + "?q=kofi+mensah"),
        # a word thousands share: the walk of the name index (directory.page)
        ("officer", directory + "?q=mensah"),
        ("member", directory + "?q=anaesth"),
        ("officer", directory + "?cadre=midwife"),
        ("officer", directory + "?heritage=KE"),
        ("officer", directory + "?after=" + cursor),
        ("officer", f"/associations/{big.slug}/applications"),
        ("officer", f"/associations/{big.slug}/manage"),
        ("officer", f"/associations/{small.slug}/directory"),
        ("officer", f"/associations/{small.slug}/directory?q=mensah"),
        ("officer", "/dashboard"),
        ("member", directory),
        ("member", directory + "?q=kofi+mensah"),
        ("member", "/memberships"),
        ("member", "/profile"),
        ("officer", "/associations"),
        ("officer", "/admin/associations"),
        ("officer", f"/associations/{big.slug}/members/export.csv"),
        # contributions: the verification queue (oldest first), a member's portfolio (newest
        # first, with its totals), the impact dashboard (the rollups only), default and chosen months
        ("officer", f"/associations/{big.slug}/verification"),
        ("portfolio", "/contributions"),
        ("portfolio", "/contributions?kind=training"),
        ("officer", f"/associations/{big.slug}/impact"),
        ("officer", f"/associations/{big.slug}/impact?from=2024-01&to=2025-06"),
        ("officer", f"/associations/{small.slug}/impact"),
        ("officer", f"/associations/{big.slug}/impact.csv"),
        # a desk's engagement dashboard: the published counts of its country and period
        # (disclosed_counts, by its key), missions on (country, starts_on, id), the submission
        # counters; a quarter, a month, and one of its CSV tables
        ("desk", "/desks/{desk}/dashboard"),
        ("desk", "/desks/{desk}/dashboard?year=2024&part=q2"),
        ("desk", "/desks/{desk}/dashboard?year=2024&part=05"),
        ("desk", "/desks/{desk}/dashboard/contributions-by-month.csv?year=2024"),
        # the desk's queue (30,000 submissions): newest first, overdue, a topic and status
        ("desk", "/desks/{desk}/queue"),
        ("desk", "/desks/{desk}/queue?overdue=1"),
        ("desk", "/desks/{desk}/queue?topic=barrier_report&status=submitted"),
        ("desk", "/desks/{desk}/queue?assignee=unassigned&sort=due"),
    ]


@pytest.fixture
def large(app, db):
    with db.engine.begin() as connection:
        scale_data.grow_to(connection, MEMBERSHIPS, _DEFAULT_HASH)
        scale_data.grow_licences(connection)
        scale_data.grow_contributions_to(connection, CONTRIBUTIONS, _DEFAULT_HASH)
        desk_id = desk_data.ensure_desk(connection, _DEFAULT_HASH)
        desk_data.grow_submissions_to(connection, desk_id, SUBMISSIONS)
        small_id = connection.execute(sa.text(
            "SELECT association_id FROM memberships GROUP BY association_id ORDER BY count(*) LIMIT 1")).scalar()
    scale_data.analyse(db.engine)
    from diaspora.desks.engagement import engagement

    engagement.refresh()  # the hourly job: its GROUP BYs may scan, the dashboard may not
    db.session.commit()
    desk_officer = db.session.scalar(sa.select(User).where(User.email == desk_data.DESK_OFFICER_EMAIL))
    big = db.session.scalar(sa.select(Association).where(Association.slug == scale_data.BIG_SLUG))
    small = db.session.get(Association, small_id)
    officer = db.session.scalar(sa.select(User).where(User.email == "officer@bench.example"))
    # The small association's officer is the same person, so one session sees both.
    db.session.add(Membership(user_id=officer.id, association_id=small.id, role="officer", status="active",
                              sort_name="bench officer"))
    member = db.session.scalar(sa.select(User).join(Membership).where(
        Membership.association_id == big.id, Membership.status == "active", Membership.role == "member").limit(1))
    portfolio = db.session.scalar(sa.select(User).where(User.email == scale_data.PORTFOLIO_EMAIL))
    db.session.commit()
    return big, small, officer, member, portfolio, (desk_id, desk_officer)


def _plans_of(client, path: str, analyse: bool = False) -> list[tuple[str, str, dict | None]]:
    """(statement, plan, the plan as run when `analyse`) for each SELECT the page sends."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200, path
    plans = []
    with db.engine.connect() as connection:
        for statement, parameters in statements:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
            run = None
            if analyse:
                run = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
                run = (json.loads(run) if isinstance(run, str) else run)[0]["Plan"]
            plans.append((statement, "\n".join(rows), run))
    return plans


def _most_sorted(node: dict) -> int:
    """The most rows any Sort in a plan takes in at once (per loop; its input, not the CTEs and
    subplans it carries)."""
    taken = sum(child["Actual Rows"] for child in node.get("Plans", [])
                if child.get("Parent Relationship") == "Outer") if "Sort" in node["Node Type"] else 0
    return max([taken, *(_most_sorted(child) for child in node.get("Plans", []))])


def _rows_read(node: dict, table: str) -> int:
    """The rows a plan as run read from `table`: those it kept and those its filters dropped."""
    own = 0
    if node.get("Relation Name") == table:
        own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
    return own + sum(_rows_read(child, table) for child in node.get("Plans", []))


def _reads_every_match(statement: str, plan: str, run: dict) -> str | None:
    """Why a directory search's statement reads more than a page's worth, if it does."""
    if "ix_memberships_search_text" in plan:
        return "reads every match through the trigram index"
    if _most_sorted(run) > SORTED_AT_MOST:
        return f"sorts {_most_sorted(run)} rows"
    return None


def test_no_list_or_dashboard_scans_the_big_tables(app, large):
    big, small, officer, member, portfolio, (desk_id, desk_officer) = large
    cursor = _middle_cursor(app, big)
    licence_cursor = _lapsing_cursor(big)
    clients = {}
    for who, user in (("officer", officer), ("member", member), ("portfolio", portfolio), ("desk", desk_officer)):
        clients[who] = app.test_client()
        log_in_session(clients[who], user)
    scans = {}
    for who, path in _pages(big, small, cursor, licence_cursor, _searched(big)):
        path = path.replace("{desk}", str(desk_id))
        searching = "/directory?" in path and "q=" in path
        overdue = "overdue=1" in path
        for statement, plan, run in _plans_of(clients[who], path, analyse=searching or overdue):
            scanned = sorted({table for table in SEQ_SCAN.findall(plan) if table in GUARDED})
            if scanned:
                scans[f"{who} {path}"] = (scanned, statement[:300], plan)
            if searching and (why := _reads_every_match(statement, plan, run)):
                scans[f"{who} {path}"] = (why, statement[:300], plan)
            if overdue and (read := _rows_read(run, "submissions")) > OVERDUE_READ_AT_MOST:
                scans[f"{who} {path} {statement[:60]}"] = (f"reads {read} submissions", statement[:300], plan)
    assert scans == {}, "\n\n".join(f"{page}: {found}\n{statement}\n{plan}"
                                    for page, (found, statement, plan) in scans.items())


def _searched(big) -> dict:
    """A member's full name as a person would type it (its number too: the synthetic names are
    common pairs), and a cursor inside the holders of a common name (as if someone had paged
    there)."""
    from diaspora.associations.roster import directory
    from diaspora.core.pagination import encode

    person = db.session.scalar(sa.select(User.name).join(Membership, Membership.user_id == User.id)
                               .where(Membership.association_id == big.id).order_by(Membership.id)
                               .offset(MEMBERSHIPS // 6).limit(1))
    within = db.session.scalar(sa.select(Membership).where(Membership.association_id == big.id,
                                                           Membership.sort_name.like("abena mensah %"))
                               .order_by(Membership.sort_name, Membership.id).offset(40).limit(1))
    return {"person": person, "within": encode(directory.ORDERINGS["name"], within)}


def _middle_cursor(app, big) -> str:
    """The cursor of a row deep in the big association's directory (as if someone had paged
    there), to show that a deep page costs what the first does."""
    from diaspora.associations.roster import directory
    from diaspora.core.pagination import encode

    deep = db.session.scalar(sa.select(Membership).where(Membership.association_id == big.id)
                             .order_by(Membership.sort_name, Membership.id).offset(MEMBERSHIPS // 4).limit(1))
    return encode(directory.ORDERINGS["name"], deep)




def _lapsing_cursor(big) -> str:
    """The cursor after the first page of the big association's licences lapsing soon."""
    from diaspora.core.pagination import encode
    from diaspora.licensure import overview
    from diaspora.licensure.overview_views import LAPSING_SHOWN

    rows = db.session.execute(overview.lapsing_soon(big).order_by(*overview.SOONEST_FIRST.order_by())
                              .limit(LAPSING_SHOWN)).all()
    assert len(rows) == LAPSING_SHOWN, "the big association should have more than a page lapsing soon"
    return encode(overview.SOONEST_FIRST, rows[-1])


def test_the_api_lists_read_through_indexes_too(app, large):
    """The API's lists (tokens, not sessions): the members, the verification queue, a member's
    contributions and a desk's queue, first pages and filtered."""
    from tests.api.support import bearer, personal_token

    big, small, officer, member, portfolio, (desk_id, desk_officer) = large
    tokens = {"officer": personal_token(officer), "portfolio": personal_token(portfolio),
              "desk": personal_token(desk_officer)}
    pages = [("officer", f"/api/v1/associations/{big.slug}/members"),
             ("officer", f"/api/v1/associations/{big.slug}/members?sort=newest"),
             ("officer", f"/api/v1/associations/{big.slug}/members?q=mensah"),
             ("officer", f"/api/v1/associations/{big.slug}/verification"),
             ("officer", f"/api/v1/associations/{big.slug}/applications"),
             ("portfolio", "/api/v1/contributions"),
             ("portfolio", "/api/v1/contributions/totals"),
             ("desk", f"/api/v1/desks/{desk_id}/queue"),
             ("desk", f"/api/v1/desks/{desk_id}/queue?overdue=1"),
             ("desk", f"/api/v1/desks/{desk_id}/engagement"),
             # the standards (docs/standards.md): the FHIR feed on its index, Open311, the figures
             ("desk", f"/api/v1/desks/{desk_id}/fhir/Practitioner"),
             ("desk", f"/api/v1/desks/{desk_id}/fhir/PractitionerRole?_lastUpdated=ge2026-01-01"),
             ("desk", f"/api/v1/desks/{desk_id}/fhir/Practitioner/_history?_since=2026-01-01T00:00:00Z"),
             ("desk", f"/api/v1/desks/{desk_id}/open311/v2/requests.json"),
             ("desk", f"/api/v1/desks/{desk_id}/aggregates.csv")]
    scans = {}
    for who, path in pages:
        client = _TokenClient(app.test_client(), bearer(tokens[who]))
        for statement, plan, _run in _plans_of(client, path):
            scanned = sorted({table for table in SEQ_SCAN.findall(plan) if table in GUARDED})
            if scanned:
                scans[f"{who} {path}"] = (scanned, statement[:300], plan)
    assert scans == {}, "\n\n".join(f"{page}: {found}\n{statement}\n{plan}"
                                    for page, (found, statement, plan) in scans.items())


class _TokenClient:
    """A test client that sends a bearer token with each GET."""

    def __init__(self, client, headers: dict):
        self.client, self.headers = client, headers

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)
