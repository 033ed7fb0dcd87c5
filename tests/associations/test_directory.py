"""The member directory: who sees whom, search, filters, sorting, pages, and a bounded
number of SQL statements whatever the page size."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.auth.models import User
from diaspora.core.time import today, utcnow
from diaspora.extensions import db
from diaspora.members.models import ProfileSkill, Skill
from tests.factories import (
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    ProfileFactory,
    UserFactory,
)

NAME_CELL = re.compile(r'<td data-label="Name">\s*(?:<a href="[^"]*">)?<bdi>([^<]*?)</bdi>')  # isolated for bidi


def names_on(page: str) -> list[str]:
    return [unescape(name) for name in NAME_CELL.findall(page)]


def skill(name: str) -> Skill:
    found = db.session.scalar(sa.select(Skill).where(Skill.name == name))
    if found is None:
        found = Skill(name=name)
        db.session.add(found)
        db.session.flush()
    return found


def member(association, name: str, *, consent: bool = True, status: str = Membership.ACTIVE,
           cadre: str | None = "nurse", specialty: str | None = "Critical care", heritage=(),
           skills=(), **membership) -> Membership:
    """A user with a profile and a membership of `association`."""
    user = UserFactory(name=name)
    profile = ProfileFactory(user=user, cadre=cadre, specialty=specialty, directory_consent=consent,
                             heritage=list(heritage))
    for skill_name in skills:
        db.session.add(ProfileSkill(user_id=profile.user_id, skill_id=skill(skill_name).id))
    db.session.commit()
    return MembershipFactory(user=user, association=association, status=status, **membership)


@pytest.fixture
def association():
    return AssociationFactory(name="Ghana Nurses UK", slug="ghana-nurses-uk")


@pytest.fixture
def officer(association):
    return member(association, "Olu Officer", role=Membership.OFFICER, cadre="doctor", consent=False,
                  specialty="Paediatrics").user


def directory(client, slug="ghana-nurses-uk", **params):
    return client.get(f"/associations/{slug}/directory", query_string=params)


# -- who sees whom ---------------------------------------------------------------------------

def test_an_officer_sees_every_membership_with_its_details(client, login, association, officer):
    member(association, "Ama Consenting", heritage=["GH", "NG"], skills=["Ultrasound"])
    shy = member(association, "Kofi Private", consent=False)
    member(association, "Esi Suspended", status=Membership.SUSPENDED)
    member(association, "Yaw Applicant", status=Membership.APPLIED)
    member(AssociationFactory(), "Someone Elsewhere")
    login(officer)
    response = directory(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert names_on(page) == ["Ama Consenting", "Esi Suspended", "Kofi Private", "Olu Officer",
                              "Yaw Applicant"]
    assert "Ghana, Nigeria" in page and '<span class="tag">Ultrasound</span>' in page
    assert shy.user.email in page
    assert "Suspended" in page and "Applied, waiting for a decision" in page
    assert f'href="/associations/ghana-nurses-uk/members/{shy.id}"' in page
    assert "Download all members (CSV)" in page


def test_a_member_sees_only_active_fellow_members_who_opted_in_and_themselves(client, login, association,
                                                                              officer):
    me = member(association, "Me Myself", consent=False)
    member(association, "Ama Consenting")
    member(association, "Kofi Private", consent=False)
    member(association, "Esi Suspended", status=Membership.SUSPENDED)
    member(association, "Yaw Lapsed", status=Membership.LAPSED)
    member(AssociationFactory(), "Someone Elsewhere")
    login(me.user)
    page = directory(client).get_data(as_text=True)
    assert names_on(page) == ["Ama Consenting", "Me Myself"]
    assert "@example.org" not in page  # no emails for members
    assert "Membership status" not in page  # no status filter
    assert "Download all members" not in page and "/members/" not in page


@pytest.mark.parametrize("who", ["outsider", "applicant", "suspended", "other_officer", "admin"])
def test_people_who_are_not_active_members_are_refused(client, login, association, officer, who):
    users = {
        "outsider": lambda: UserFactory(),
        "applicant": lambda: member(association, "A", status=Membership.APPLIED).user,
        "suspended": lambda: member(association, "S", status=Membership.SUSPENDED).user,
        "other_officer": lambda: member(AssociationFactory(), "O", role=Membership.OFFICER).user,
        "admin": lambda: UserFactory(admin=True),
    }
    login(users[who]())
    assert directory(client).status_code == 403


def test_a_visitor_is_sent_to_log_in(client, association):
    response = directory(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_an_association_that_is_not_approved_is_not_found(client, login):
    pending = AssociationFactory(status="pending", slug="pending-one")
    login(member(pending, "Early Member").user)
    assert directory(client, slug="pending-one").status_code == 404
    assert directory(client, slug="no-such-association").status_code == 404


# -- search and filters ----------------------------------------------------------------------

@pytest.fixture
def crowd(association, officer):
    member(association, "Ama Mensah", cadre="nurse", specialty="Critical care", heritage=["GH"],
           skills=["Ultrasound", "Triage"])
    member(association, "Kwame Boateng", cadre="doctor", specialty="Cardiology", heritage=["GH", "NG"],
           skills=["Teaching"])
    member(association, "Ngozi Okafor", cadre="midwife", specialty="Obstetrics 100% hands-on",
           heritage=["NG"], skills=["Neonatal resuscitation"])
    member(association, "Esi Suspended", cadre="nurse", specialty="Oncology", heritage=["GH"],
           status=Membership.SUSPENDED)
    member(association, "Kofi Private", cadre="pharmacist", specialty=None, heritage=["KE"],
           consent=False)


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "mensah"}, ["Ama Mensah"]),                       # name, any case
    ({"q": "CARDIO"}, ["Kwame Boateng"]),                    # specialty
    ({"q": "ultra"}, ["Ama Mensah"]),                        # skill
    ({"q": "teach"}, ["Kwame Boateng"]),
    ({"q": "100%"}, ["Ngozi Okafor"]),                       # % is a character, not a wildcard
    ({"q": "%"}, ["Ngozi Okafor"]),
    ({"cadre": "nurse"}, ["Ama Mensah", "Esi Suspended"]),
    ({"cadre": "midwife"}, ["Ngozi Okafor"]),
    ({"heritage": "NG"}, ["Kwame Boateng", "Ngozi Okafor"]),
    ({"heritage": "GH", "cadre": "nurse"}, ["Ama Mensah", "Esi Suspended"]),
    ({"heritage": "GH", "q": "kwame"}, ["Kwame Boateng"]),
    ({"status": "suspended"}, ["Esi Suspended"]),
    ({"q": "nobody like this"}, []),
    ({"q": "mensah ama"}, ["Ama Mensah"]),                   # several words: each anywhere, in any order
    ({"q": "Ultra CRITICAL"}, ["Ama Mensah"]),               # a skill and a specialty
    ({"q": "kwame ama"}, []),                                # every word, not any
])
def test_officers_search_and_filter(client, login, officer, crowd, params, expected):
    login(officer)
    response = directory(client, **params)
    assert response.status_code == 200
    assert names_on(response.get_data(as_text=True)) == expected


def test_members_filter_too_but_the_status_filter_is_ignored_for_them(client, login, association, crowd):
    me = member(association, "Me Myself", cadre="nurse", heritage=["GH"])
    login(me.user)
    assert names_on(directory(client, cadre="nurse").get_data(as_text=True)) == ["Ama Mensah", "Me Myself"]
    assert names_on(directory(client, heritage="KE").get_data(as_text=True)) == []  # Kofi did not opt in
    suspended = directory(client, status="suspended")
    assert suspended.status_code == 200
    assert names_on(suspended.get_data(as_text=True)) == ["Ama Mensah", "Kwame Boateng", "Me Myself",
                                                          "Ngozi Okafor"]


def test_the_form_keeps_what_was_chosen(client, login, officer, crowd):
    login(officer)
    page = directory(client, q="care", cadre="nurse", heritage="GH", status="active",
                     sort="newest").get_data(as_text=True)
    assert 'value="care"' in page
    assert '<option selected value="nurse">' in page
    assert '<option selected value="GH">' in page
    assert '<option selected value="active">' in page
    assert '<option selected value="newest">' in page
    assert "Clear the filters" in page


def test_an_unknown_filter_value_is_explained_and_ignored(client, login, officer, crowd):
    login(officer)
    response = directory(client, cadre="astronaut", heritage="XX")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice" in page
    assert "Choose a country from the list." in page
    assert len(names_on(page)) == 6  # every membership: the bad filters are not applied


# -- sorting and pages -----------------------------------------------------------------------

def test_sorting_by_name_and_newest(client, login, association, officer):
    now = utcnow()
    member(association, "beatrice Asante", created_at=now - timedelta(days=30))
    member(association, "Adjoa Owusu", created_at=now - timedelta(days=400))
    member(association, "Cecilia Darko", created_at=now - timedelta(days=2))
    member(association, "Dédé Ampofo", created_at=now - timedelta(days=3000))
    officer_membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == officer.id))
    officer_membership.created_at = now - timedelta(days=1000)
    db.session.commit()
    login(officer)
    by_name = names_on(directory(client).get_data(as_text=True))
    assert by_name == ["Adjoa Owusu", "beatrice Asante", "Cecilia Darko", "Dédé Ampofo", "Olu Officer"]
    newest = names_on(directory(client, sort="newest").get_data(as_text=True))
    assert newest == ["Cecilia Darko", "beatrice Asante", "Adjoa Owusu", "Olu Officer", "Dédé Ampofo"]


def test_pages_of_25_and_the_pager_keeps_the_filters(client, login, association, officer):
    for number in range(30):
        member(association, f"Nurse {number:02d}", cadre="nurse", heritage=["GH"])
    member(association, "Doctor Outside The Filter", cadre="doctor", heritage=["GH"])
    login(officer)
    first = directory(client, cadre="nurse", heritage="GH", q="nurse").get_data(as_text=True)
    assert names_on(first) == [f"Nurse {number:02d}" for number in range(25)]
    assert 'rel="prev"' not in first
    next_link = unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    for part in ("cadre=nurse", "heritage=GH", "q=nurse", "after="):
        assert part in next_link
    # A member added meanwhile, sorting before this page, shifts nothing on the next one.
    member(association, "Nurse 00a", cadre="nurse", heritage=["GH"])
    second = client.get(next_link).get_data(as_text=True)
    assert names_on(second) == [f"Nurse {number:02d}" for number in range(25, 30)]
    assert 'rel="next"' not in second
    previous_link = unescape(re.search(r'<a rel="prev" href="([^"]+)"', second).group(1))
    assert "cadre=nurse" in previous_link and "before=" in previous_link
    back = names_on(client.get(previous_link).get_data(as_text=True))
    assert back == ["Nurse 00a"] + [f"Nurse {number:02d}" for number in range(1, 25)]
    assert directory(client, cadre="nurse", after="not-a-cursor").status_code == 404


@pytest.mark.parametrize("viewer", ["officer", "member"])
def test_the_number_of_statements_does_not_grow_with_the_page(client, login, count_queries, association,
                                                              officer, viewer):
    me = member(association, "Me Myself")
    membership_type = MembershipTypeFactory(association=association, name="Full member")

    def add_members(count: int) -> None:
        for number in range(count):
            member(association, f"Member {number:03d} {count}", heritage=["GH", "NG"],
                   skills=["Triage", f"Skill {number}"], membership_type=membership_type,
                   renews_on=today() + timedelta(days=number))

    login(officer if viewer == "officer" else me.user)
    counts = []
    for count in (30, 60):  # both more than a page: the same statements, whatever the rows
        add_members(count)
        with count_queries() as counter:
            response = directory(client, q="member", heritage="GH")
        assert response.status_code == 200
        assert "Triage" in response.get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


# -- the ways a search is served ---------------------------------------------------------------

STRATEGIES = {
    # MOST_WORDS: how many words containing a typed word the search reads through the words'
    # index (-1: it never does); HOPS: steps a search for several words takes through their
    # members before it hands over to the trigram index (PostgreSQL: SQLite goes by the estimate);
    # RARE: how rare a match must be for the trigram index to serve (only PostgreSQL's planner
    # estimates: 0 never, 10 ** 12 always); WINDOW: rows the walk reads before it hands over
    "the words' index": {},
    "the words' index, handing over after 2 steps": {"HOPS": 2},
    "the words' index, handing over after 20 steps": {"HOPS": 20},  # a page one way, the next the other
    "walk": {"MOST_WORDS": -1, "RARE": 0, "WINDOW": 50_000, "WINDOW_NEWEST": 50_000},
    "walk, then the trigram index": {"MOST_WORDS": -1, "RARE": 0, "WINDOW": 7, "WINDOW_NEWEST": 7},
    "trigram index (PostgreSQL)": {"MOST_WORDS": -1, "RARE": 10 ** 12},
}

SEARCHES = [
    "mensah",                # a family name thousands share, its holders together in name order
    "abena mensah",          # a full name
    "Mensah  ABÉNA",         # typed in another order, case and accents
    "mensah anaesth",        # a name and the start of a specialty
    "yaw anaesthe mensah",
    "kofi clinic 0",         # three words, one too short for the words' index
    "ena ensah",             # pieces of words
    "a mensah",
    "mensah achieng",        # two common words nobody has together, each in its own stretch of the list
    "anaesthesia critical",  # two common words nobody has together, spread through the same stretch
    "mensah zz",
    "nobody",
]


def clustered_crowd(association) -> list[tuple[str, str, bool]]:
    """Members like a real directory's: common names whose holders sit together in name order,
    after many who do not hold them, and specialties spread through them. (name, specialty,
    whether fellow members see them), in the order they joined."""
    people = [("Olu Officer", "Paediatrics", False)]  # the `officer` fixture

    def add(name: str, specialty: str = "Critical care", **options) -> None:
        member(association, name, specialty=specialty, **options)
        people.append((name, specialty, options.get("consent", True) and "status" not in options))

    for number in range(20):
        add(f"Abena Achieng {number:02d}", specialty="Anaesthesia" if number % 3 == 0 else "Critical care")
    for number in range(30):
        add(f"Abena Mensah {number:02d}")
    add("Abena Mensah Hidden", consent=False)
    add("Abena Mensah Lapsed", status=Membership.LAPSED)
    for number in range(10):
        add(f"Kofi Mensah {number:02d}", specialty="Mensah clinic")  # matched twice: shown once
    for number in range(8):
        add(f"Yaw Mensah {number:02d}", specialty="Anaesthesia")
    for number in range(4):  # "mensah" and "anaesth" each in two words
        add(f"Yaw Mensah-Owusu {number:02d}", specialty="Anaesthetics")
    add("Zed Viewer")
    return people


def found_by_hand(people, q: str, viewer: str, sort: str) -> list[list[str]]:
    """The pages a search must show: every member the viewer may see whose name or specialty
    contains every word typed, in the order asked, 25 to a page."""
    from diaspora.core.text import fold

    typed = fold(q).split(" ")
    found = [name for name, specialty, shown in people if (viewer == "officer" or shown)
             and all(word in fold(f"{name} {specialty}") for word in typed)]
    found = sorted(found, key=fold) if sort == "name" else found[::-1]  # newest first: the reverse of joining
    return [found[start:start + 25] for start in range(0, len(found), 25)] or [[]]


def every_page(client, **params) -> tuple[list[list[str]], list[list[str]]]:
    """The names on each page, following "next" to the last page, then "previous" back to the
    first: (the pages forward, the pages back, first to last)."""
    page = directory(client, **params).get_data(as_text=True)
    pages = [names_on(page)]
    while link := re.search(r'<a rel="next" href="([^"]+)"', page):
        page = client.get(unescape(link.group(1))).get_data(as_text=True)
        pages.append(names_on(page))
    back = [names_on(page)]
    while link := re.search(r'<a rel="prev" href="([^"]+)"', page):
        page = client.get(unescape(link.group(1))).get_data(as_text=True)
        back.insert(0, names_on(page))
    return pages, back


def in_order(pages: list[list[str]]) -> list[str]:
    return [name for page in pages for name in page]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("viewer", ["officer", "member"])
@pytest.mark.parametrize("sort", ["name", "newest"])
def test_every_way_of_searching_finds_the_same_pages_forward_and_back(client, login, monkeypatch, association,
                                                                      officer, strategy, viewer, sort):
    from diaspora.associations.roster import directory as roster_directory
    from diaspora.associations.roster import words

    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(words if name == "MOST_WORDS" else roster_directory, name, value)
    people = clustered_crowd(association)
    login(officer if viewer == "officer" else db.session.scalar(sa.select(User).where(User.name == "Zed Viewer")))
    for q in SEARCHES:
        expected = found_by_hand(people, q, viewer, sort)
        forward, back = every_page(client, q=q, sort=sort)
        if "HOPS" in STRATEGIES[strategy]:
            # A walk cut short after HOPS steps shows a shorter page and goes on from where it
            # stopped (directory._way_on): the same members in the same order, each once,
            # forward and back; no page longer than 25.
            assert in_order(forward) == in_order(back) == in_order(expected), q
            assert all(len(page) <= 25 for page in forward + back), q
        else:
            assert forward == back == expected, q


@pytest.mark.postgres_only  # the walk through several words' members (`_hops`) is PostgreSQL's
def test_a_search_cut_short_says_so_and_searches_on(client, login, monkeypatch, association, officer):
    from diaspora.associations.roster import directory as roster_directory

    monkeypatch.setattr(roster_directory, "HOPS", 2)
    clustered_crowd(association)
    login(officer)
    page = directory(client, q="anaesthesia critical").get_data(as_text=True)  # nobody has both
    assert "No match in this part of the list" in page and "No member matches your search" not in page
    seen = 1
    while link := re.search(r'<a rel="next" href="([^"]+)"', page):
        page = client.get(unescape(link.group(1))).get_data(as_text=True)
        seen += 1
    assert seen > 2, "the walk went on over several pages"
    assert "No more members match your search" in page  # the last page, the list walked to its end

    page = directory(client, q="abena mensah").get_data(as_text=True)  # two steps: two members
    assert len(names_on(page)) == 2 and "there may be more members further on" in page
    monkeypatch.undo()  # HOPS as it is: the full name's holders sit together, a page in 25 steps
    page = directory(client, q="abena mensah").get_data(as_text=True)
    assert len(names_on(page)) == 25 and "part of the list" not in page
