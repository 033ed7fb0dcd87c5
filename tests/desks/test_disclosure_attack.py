"""The attack on a desk's dashboard, as a desk officer could run it: every page and every CSV of
the dashboard, for every period its filter offers, read through the test client; every count
they show put into one system of integer unknowns (the contributions of each month by kind and
by region, the members of each table), with everything a reader knows:

* a number is itself; "<N" is 1 to N - 1; "*" is N or more; "–" is anything from 0; a row that
  is not listed in a table that lists its rows is 0;
* each table adds up to its total; a period is the sum of its months, by kind and by region,
  and a month counts the same by kind as by region; every member table counts the same members;
  the members interested in returning are those whose return intention is not "not at the
  moment", and a cadre's row among them counts no more than the cadre.

Then, for each count shown as "<N", "*" or "–", an integer program (scipy's milp) finds the
least and the greatest value it can have. The test fails when they meet (for "–", at anything
but 0): that count can be worked out. It is written against what the pages show, not against
the app's own code, and reads whichever filter the page has (the old free range of months, or
the fixed periods), so it can be run on the code before this change too."""

import csv
import io
import random
import re
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from diaspora.contributions.impact import impact
from diaspora.contributions.logbook import logbook
from diaspora.contributions.verification import verification
from diaspora.core import transaction
from diaspora.core.time import today
from diaspora.desks.engagement import engagement
from diaspora.desks.submissions import submissions
from diaspora.extensions import db
from diaspora.licensure.models import Licence, Regulator
from diaspora.members import consents
from tests.contributions.samples import values
from tests.factories import AssociationFactory, DeskOfficerFactory, MembershipFactory, ProfileFactory

CONTRIBUTION_TABLES = ("contributions-by-month", "contributions-by-kind", "contributions-by-region")
MEMBER_TABLES = ("cadre", "specialty", "host-country", "return-interest", "licence-status")
GRIDS = ("intention", "submissions")
NOT_INTERESTED = "Not at the moment"
CEILING = 10**6  # above any count here: keeps every program bounded
ROW = re.compile(r'<th scope="row"[^>]*>([^<]*)</th>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>([^<]*)</td>")
COLUMN = re.compile(r'<th scope="col">([^<]*)</th>')
STAT = re.compile(r'<span class="stat__number">([^<]*)</span>\s*<span class="stat__label">([^<]*)</span>')


# ---------------------------------------------------------------------------- the desk's data


def seed(desk_country: str = "GH") -> int:
    """Members with small cells in every table, and a year of contributions (last year, whole)
    with small months, kinds and regions. Returns that year."""
    chance = random.Random(7)
    regulator = Regulator(country=desk_country, name="Medical and Dental Council", short_name="MDC")
    db.session.add(regulator)
    db.session.flush()
    cadres = ["nurse"] * 14 + ["doctor"] * 9 + ["midwife"] * 6 + ["pharmacist"] * 3 + ["dentist"] * 2 + [None]
    hosts = ["GB"] * 15 + ["US"] * 9 + ["CA"] * 5 + ["DE"] * 3 + ["FR"] * 2 + ["ZA"]
    specialties = ["Paediatrics"] * 11 + ["Surgery"] * 4 + ["Oncology"] * 2 + [""] * 18
    interests = ["none"] * 18 + ["short_missions"] * 9 + ["extended_placement"] * 5 + ["permanent_return"] * 3
    horizons = ["within_1_year", "1_to_3_years", "3_to_5_years", "over_5_years", None]
    licences = [400] * 7 + [-30] * 3 + [30] * 2 + [None] * 23
    for column in (hosts, specialties, interests, licences):
        chance.shuffle(column)
    day = today()
    for number in range(35):
        interest = interests[number]
        profile = ProfileFactory(heritage=[desk_country], cadre=cadres[number], host_country=hosts[number],
                                 specialty=specialties[number] or None, return_interest=interest,
                                 return_horizon=chance.choice(horizons) if interest != "none" else None)
        consents.change_consents(profile.user, directory=False, desks={desk_country: True})
        if licences[number] is not None:
            db.session.add(Licence(user_id=profile.user.id, regulator_id=regulator.id, registration_number=f"R{number}",
                                   expires_on=day + timedelta(days=licences[number])))
    db.session.commit()

    year = day.year - 1
    association = AssociationFactory()
    officer = MembershipFactory(association=association, officer=True).user
    person = MembershipFactory(association=association).user
    kinds = ["training"] * 6 + ["mentoring"] * 3 + ["mission"] * 2 + ["research"]
    regions = ["GH-AA"] * 6 + ["GH-AH"] * 3 + ["GH-NP"] * 2 + ["GH-TV"]
    for month, count in enumerate((3, 7, 12, 0, 4, 9, 15, 2, 6, 11, 1, 5), start=1):
        started = date(year, month, 14)
        for number in range(count):
            made = logbook.log(person, values(f"{month}-{number}", kind=chance.choice(kinds),
                                              region=chance.choice(regions), starts_on=started, ends_on=started))
            logbook.submit(person, made, association)
            verification.verify(officer, made)
    sender = ProfileFactory(heritage=[desk_country]).user
    answers = {"barrier": "licensure", "what_happened": "x", "what_would_help": "y"}
    for number in range(3):
        submissions.send(sender, country=desk_country, topic="barrier_report", title=f"Barrier {number}",
                         show_identity=False, answers=answers)
    for number in range(11):
        submissions.send(sender, country=desk_country, topic="policy_input", title=f"Policy {number}",
                         show_identity=False, answers={"policy_area": "x", "document": "y", "recommendation": "z"})
    transaction.commit()
    engagement.refresh()  # the hourly job
    transaction.commit()
    return year


# ---------------------------------------------------------------------------- reading the outputs


def months_between(first: date, last: date) -> list[date]:
    found = []
    while first <= last:
        found.append(first)
        first = impact.add_months(first, 1)
    return found


def filters_of(html: str, year: int) -> list[tuple[dict, list[date]]]:
    """Every choice the page's period filter offers, with the months each covers."""
    this_month = today().replace(day=1)
    if 'name="part"' in html:  # fixed periods: a year, a quarter or a month
        years = re.findall(r'<option value="(\d{4})"', html.split('name="year"')[1].split("</select>")[0])
        parts = re.findall(r'<option value="([^"]+)"', html.split('name="part"')[1].split("</select>")[0])
        found = []
        for chosen in years:
            for part in parts:
                start = date(int(chosen), 1, 1)
                if part.startswith("q"):
                    months = months_between(date(int(chosen), 3 * int(part[1]) - 2, 1),
                                            date(int(chosen), 3 * int(part[1]), 1))
                elif part.isdigit():
                    months = [date(int(chosen), int(part), 1)]
                else:
                    months = months_between(start, date(int(chosen), 12, 1))
                found.append(({"year": chosen, "part": part}, months))
        return found
    # the free range of months (the code before fixed periods): every range within the year,
    # and the page as it opens (the last twelve months)
    months = months_between(date(year, 1, 1), date(year, 12, 1))
    found = [({}, months_between(impact.add_months(this_month, -11), this_month))]
    for start, first in enumerate(months):
        for last in months[start:]:
            found.append(({"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}, months_between(first, last)))
    return found


def section(html: str, slug: str) -> str | None:
    if f'id="{slug}"' not in html:
        return None
    return html.split(f'id="{slug}"', 1)[1].split("</section>", 1)[0]


def clean(text: str) -> str:
    return text.strip().replace("&lt;", "<").replace("&amp;", "&").replace("&#39;", "'")


def html_table(html: str, slug: str) -> dict | None:
    """{columns, rows: [(label, [cells])], total: [cells] | None, empty} as the page shows it."""
    found = section(html, slug)
    if found is None:
        return None
    body = found.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in found else ""
    foot = found.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0] if "<tfoot>" in found else ""
    rows = [(clean(label), [clean(cell) for cell in CELL.findall(cells)]) for label, cells in ROW.findall(body)]
    total = [clean(cell) for cell in CELL.findall(foot)] or None
    return {"columns": [clean(column) for column in COLUMN.findall(found)], "rows": rows, "total": total,
            "empty": "There is nothing to count here yet." in found}


def csv_table(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, url
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    total = lines[-1][1:] if len(lines) > 1 and lines[-1][0] == "Total" else None
    rows = [(line[0], line[1:]) for line in lines[1:(-1 if total else None)]]
    return {"columns": lines[0], "rows": rows, "total": total, "empty": not rows and total is None}


def outputs(client, desk, year: int) -> list[tuple[list[date], dict, dict]]:
    """(months, stats, tables) of every page and its CSV files, for every filter."""
    base = f"/desks/{desk.id}/dashboard"
    found = []
    for query, months in filters_of(client.get(base).get_data(as_text=True), year):
        response = client.get(base, query_string=query)
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        if "banner--warning" in html:  # a period that has not begun: the page shows another
            continue
        stats = {clean(label): clean(number) for number, label in STAT.findall(html)}
        tables = {}
        for slug in (*CONTRIBUTION_TABLES, *MEMBER_TABLES, *GRIDS):
            table = html_table(html, slug)
            if table is None:
                continue
            tables[slug] = [table]
            link = re.search(r'href="([^"]*/dashboard/' + re.escape(slug) + r'\.csv[^"]*)"', html)
            if link:
                tables[slug].append(csv_table(client, link.group(1).replace("&amp;", "&")))
        found.append((months, stats, tables))
    return found


# ---------------------------------------------------------------------------- the system


class System:
    """Integer unknowns, and linear expressions of them bounded by what a reader sees."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.variables: dict[tuple, int] = {}
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.targets: dict[frozenset, tuple[dict[int, float], str, str]] = {}
        self._constraints = None

    def var(self, *key) -> int:
        return self.variables.setdefault(key, len(self.variables))

    def bound(self, expression: dict[int, float], low: float, high: float) -> None:
        self.rows.append((dict(expression), low, high))

    def equal(self, left: dict[int, float], right: dict[int, float]) -> None:
        self.bound(combine(left, right, -1), 0, 0)

    def at_most(self, left: dict[int, float], right: dict[int, float]) -> None:
        self.bound(combine(left, right, -1), -np.inf, 0)

    def shown(self, expression: dict[int, float], text: str, where: str) -> None:
        """What a cell's text says of the expression; a count not shown becomes a target."""
        text = text.replace(",", "").strip()
        if re.fullmatch(r"\d+", text):
            self.bound(expression, int(text), int(text))
            return
        small = re.fullmatch(r"<(\d+)", text)
        if small:
            self.bound(expression, 1, int(small.group(1)) - 1)
        elif text == "*":
            self.bound(expression, self.threshold, np.inf)
        elif text in ("–", "-"):
            self.bound(expression, 0, np.inf)
        else:
            raise AssertionError(f"unreadable cell {text!r} ({where})")
        self.targets.setdefault(frozenset(expression.items()), (expression, text, where))

    def solve(self, objective: dict[int, float]):
        """A solution least in `objective`: an assignment of every unknown the pages allow."""
        if self._constraints is None:
            unique = {(frozenset(expression.items()), low, high) for expression, low, high in self.rows}
            matrix = lil_array((len(unique), len(self.variables)))
            low, high = [], []
            for number, (expression, lower, upper) in enumerate(unique):
                for index, coefficient in expression:
                    matrix[number, index] = coefficient
                low.append(lower)
                high.append(upper)
            self._constraints = [LinearConstraint(matrix.tocsr(), low, high)]
        size = len(self.variables)
        cost = np.zeros(size)
        for index, coefficient in objective.items():
            cost[index] = coefficient
        result = milp(cost, constraints=self._constraints, integrality=np.ones(size),
                      bounds=Bounds(np.zeros(size), np.full(size, CEILING)))
        assert result.x is not None, f"what the pages show cannot all be true: {result.message}"
        return np.rint(result.x)

    def pinned(self) -> list[str]:
        """The counts not shown that the system gives exactly: (text, where, value)."""
        seen: dict[frozenset, set[int]] = defaultdict(set)

        def note(solution) -> None:
            for key, (expression, _text, _where) in self.targets.items():
                seen[key].add(int(sum(solution[index] * coefficient for index, coefficient in expression.items())))

        chance = random.Random(1)
        for _ in range(3):  # objectives that move many counts at once
            mixed: dict[int, float] = defaultdict(float)
            for expression, _text, _where in self.targets.values():
                sign = chance.choice((-1.0, 1.0))
                for index, coefficient in expression.items():
                    mixed[index] += sign * coefficient
            note(self.solve(mixed))
            note(self.solve({index: -coefficient for index, coefficient in mixed.items()}))
        found = []
        for key, (expression, text, where) in self.targets.items():
            for sense in (1.0, -1.0):
                if len(seen[key]) > 1:
                    break
                note(self.solve({index: sense * coefficient for index, coefficient in expression.items()}))
            if len(seen[key]) == 1 and (text != "–" or seen[key] != {0}):
                found.append(f"{text} in {where} is {seen[key].pop()}")
        return found


def combine(left: dict[int, float], right: dict[int, float], sign: float) -> dict[int, float]:
    out = defaultdict(float, left)
    for index, coefficient in right.items():
        out[index] += sign * coefficient
    return {index: coefficient for index, coefficient in out.items() if coefficient}


def build(pages: list[tuple[list[date], dict, dict]], threshold: int) -> System:
    system = System(threshold)
    kinds: set[str] = set()
    regions: set[str] = set()
    months: set[date] = set()
    for page_months, _stats, tables in pages:
        months.update(page_months)
        for slug, names in (("contributions-by-kind", kinds), ("contributions-by-region", regions)):
            for table in tables.get(slug, []):
                names.update(label for label, _ in table["rows"])
    kinds.add("?")    # a kind no page names: it could only hide under a total
    regions.add("?")
    this_month = today().replace(day=1)

    def total_of(month: date) -> dict[int, float]:
        return {system.var("kind", month, kind): 1.0 for kind in kinds}

    for month in months:  # a month counts the same by kind and by region; nothing is verified ahead
        system.equal(total_of(month), {system.var("region", month, region): 1.0 for region in regions})
        if month > this_month:
            system.bound(total_of(month), 0, 0)
    members = {system.var("members"): 1.0}
    for page_months, stats, tables in pages:
        where = f"{page_months[0]:%Y-%m}..{page_months[-1]:%Y-%m}"
        period_total: dict[int, float] = defaultdict(float)
        for month in page_months:
            for index, coefficient in total_of(month).items():
                period_total[index] += coefficient
        if "verified contributions" in stats:
            system.shown(dict(period_total), stats["verified contributions"], f"the contributions stat, {where}")
        if "members share their profile with the desk" in stats:
            system.shown(members, stats["members share their profile with the desk"], "the members stat")
        labels = {impact.month_label(month): month for month in page_months}
        for slug, dimension, names in (("contributions-by-kind", "kind", kinds),
                                       ("contributions-by-region", "region", regions),
                                       ("contributions-by-month", "month", None)):
            for table in tables.get(slug, []):
                if names is None:
                    def cell(label: str, labels=labels) -> dict[int, float]:
                        return total_of(labels[label])
                else:
                    def cell(label: str, dimension=dimension, page_months=page_months) -> dict[int, float]:
                        return {system.var(dimension, month, label): 1.0 for month in page_months}
                one_way(system, table, cell, dict(period_total), names, f"{slug}, {where}")
        for slug, label in (("cadre", "cadre"), ("specialty", "specialty"), ("host-country", "host"),
                            ("return-interest", "interest"), ("licence-status", "licence")):
            for table in tables.get(slug, []):
                named = {row for row, _ in table["rows"]} | {"?"}
                one_way(system, table, lambda row, label=label: {system.var(label, row): 1.0}, members, named,
                        slug)
        interests = [row for table in tables.get("return-interest", [])[:1] for row, _ in table["rows"]]
        for table in tables.get("intention", []):
            grid(system, table, "intention")
            if interests:  # the members interested are those of every intention but "not at the moment"
                system.equal({system.var("intention", "*", "*"): 1.0},
                             {system.var("interest", row): 1.0 for row in interests if row != NOT_INTERESTED})
            for cadre, _cells in table["rows"]:
                if ("cadre", cadre) in system.variables:
                    system.at_most({system.var("intention", cadre, "*"): 1.0}, {system.var("cadre", cadre): 1.0})
        for table in tables.get("submissions", []):
            grid(system, table, "submissions")
    return system


def one_way(system: System, table: dict, cell, total: dict[int, float], names, where: str) -> None:
    """A table's rows and total; a table that lists its rows lists every one that is not 0."""
    if table["total"] is not None:
        system.shown(total, table["total"][-1], f"{where}: total")
    if table["empty"]:
        system.bound(total, 0, 0)
        return
    if not table["rows"]:
        return  # not broken down: only the total is known
    listed = {label for label, _ in table["rows"]}
    for label, cells in table["rows"]:
        system.shown(cell(label), cells[-1], f"{where}: {label}")
    if names is not None:
        for label in set(names) - listed:
            system.bound(cell(label), 0, 0)
    system.equal(total, combine({}, {index: c for label in (set(names or ()) | listed) for index, c in
                                     cell(label).items()}, 1))


def grid(system: System, table: dict, name: str) -> None:
    """Rows by columns, a total column and a total row."""
    columns = table["columns"][1:-1]
    grand = {system.var(name, "*", "*"): 1.0}
    if table["total"]:
        for column, text in zip(columns, table["total"][:-1], strict=True):
            system.shown({system.var(name, "*", column): 1.0}, text, f"{name}: total of {column}")
        system.shown(grand, table["total"][-1], f"{name}: total")
    if table["empty"]:
        system.bound(grand, 0, 0)
    if columns:
        system.equal(grand, {system.var(name, "*", column): 1.0 for column in columns})
    if not table["rows"]:
        return
    for row, cells in table["rows"]:
        for column, text in zip(columns, cells[:-1], strict=True):
            system.shown({system.var(name, row, column): 1.0}, text, f"{name}: {row}, {column}")
        system.shown({system.var(name, row, "*"): 1.0}, cells[-1], f"{name}: {row}, total")
        system.equal({system.var(name, row, "*"): 1.0}, {system.var(name, row, column): 1.0 for column in columns})
    rows = [row for row, _ in table["rows"]]
    for column in columns:
        system.equal({system.var(name, "*", column): 1.0}, {system.var(name, row, column): 1.0 for row in rows})
    system.equal(grand, {system.var(name, row, "*"): 1.0 for row in rows})


# ---------------------------------------------------------------------------- the test


def threshold_shown(pages) -> int:
    """The N of "<N", as the pages write it."""
    for _months, stats, tables in pages:
        for text in [*stats.values(), *(cell for copies in tables.values() for table in copies
                                        for _label, cells in table["rows"] for cell in cells)]:
            found = re.fullmatch(r"<(\d+)", text)
            if found:
                return int(found.group(1))
    raise AssertionError("no count under the threshold anywhere: the data does not test anything")


def test_no_count_not_shown_can_be_worked_out_from_everything_a_desk_can_read(client, login):
    officer = DeskOfficerFactory(desk__country="GH", desk__name="Ghana Desk")
    year = seed()
    login(officer.user)

    pages = outputs(client, officer.desk, year)
    threshold = threshold_shown(pages)
    system = build(pages, threshold)
    assert len(system.targets) > 50, "too few counts not shown for the attack to mean anything"
    print(f"{len(pages)} pages, {len(system.variables)} unknowns, {len(system.rows)} constraints, "
          f"{len(system.targets)} counts not shown")
    assert system.pinned() == []


@pytest.mark.parametrize("texts, pinned", [
    # the reader's reasoning the test relies on, on tables small enough to check by hand
    ((["<10", "20", "*"], "35"), False),  # 1 to 5 and 14 to 10
    ((["–", "20"], "20"), False),       # a "–" found to be 0 gives nobody away
    ((["<10", "20"], "25"), True),      # 25 - 20
    ((["<10", "<10"], "18"), True),     # 9 + 9 is the only way to 18
    ((["<10", "*"], "11"), True),       # 1 + 10
    ((["–", "20"], "23"), True),        # 3
])
def test_the_attack_finds_what_a_table_gives_away(texts, pinned):
    system = System(10)
    cells, total = texts
    table = {"columns": ["Kind", "Count"], "rows": [(str(n), [text]) for n, text in enumerate(cells)],
             "total": [total], "empty": False}
    one_way(system, table, lambda label: {system.var("x", label): 1.0}, {system.var("total"): 1.0},
            {str(n) for n in range(len(cells))}, "a table")
    assert bool(system.pinned()) is pinned
