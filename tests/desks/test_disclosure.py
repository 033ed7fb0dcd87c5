"""Disclosure control (diaspora/desks/disclosure.py): no count from 1 to threshold - 1 is shown,
and none can be worked out from what is shown. Small tables are attacked for real, by
enumerating every assignment of values to the hidden cells that agrees with what a reader sees;
larger releases (a year of contributions, a country's member tables) by the exact audit
(desks/attack.py, integer programs) and by tests/desks/test_disclosure_attack.py on the pages."""

import itertools
import random
from datetime import date

import pytest

from diaspora.desks.attack import audit
from diaspora.desks.disclosure import (
    HIDDEN,
    SHOWN,
    SMALL,
    UNSEEN,
    Cell,
    Release,
    cells_of,
    one_way,
    primary,
    protect,
    two_way,
)
from diaspora.desks.engagement import publication

LIMIT = 40  # the attacker tries hidden values up to this (above every true value in these tables)


def readings(cells: list[Cell], lines, threshold: int) -> list[dict]:
    """Every assignment of the hidden cells consistent with what is shown: "<N" is 1 to N - 1,
    "*" is N or more, "–" is anything from 0, a shown value is itself, and every line adds up."""
    hidden = [index for index, cell in enumerate(cells) if cell.suppressed]
    ranges = {SMALL: range(1, threshold), HIDDEN: range(threshold, LIMIT), UNSEEN: range(0, LIMIT)}
    found = []
    for guess in itertools.product(*[ranges[cells[index].state] for index in hidden]):
        values = [cell.value for cell in cells]
        for index, value in zip(hidden, guess, strict=True):
            values[index] = value
        if all(sum(values[m] for m in members) == values[total] for members, total in lines):
            found.append(dict(zip(hidden, guess, strict=True)))
    return found


def assert_protected(cells: list[Cell], lines, threshold: int) -> None:
    found = readings(cells, lines, threshold)
    assert found, "the true values must be one of the readings"
    for index, cell in enumerate(cells):
        if cell.suppressed and cell.value:
            assert len({reading[index] for reading in found}) > 1, f"cell {index} ({cell.value}) can be worked out"


def one_way_cells(values, threshold: int):
    table = one_way([(str(index), value) for index, value in enumerate(values)], threshold)
    cells = [cell for _, cell in table.rows] + [table.total]
    return table, cells, [(range(len(values)), len(values))]


def test_small_counts_show_below_the_threshold_and_zero_as_zero():
    assert [primary(value).text for value in (0, 1, 9, 10, 12)] == ["0", "<10", "<10", "10", "12"]
    assert [primary(value, 5).text for value in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert Cell(3, UNSEEN).text == "–" and Cell(30, HIDDEN).text == "*"


@pytest.mark.parametrize("threshold", [5, 10])
def test_a_single_small_cell_would_be_recoverable_from_the_total_so_another_is_hidden(threshold):
    table, cells, lines = one_way_cells([3, 20, 12], threshold)
    # Without the second step: 35 - 20 - 12 = 3. With it, the next smallest cell (12) is hidden.
    assert [cell.text for cell in cells] == [f"<{threshold}", "20", "*", "35"]
    assert_protected(cells, lines, threshold)


def test_two_small_cells_that_add_up_to_too_little_are_protected_too():
    # 1 + 1 = 2 would give both away (each is at least 1): a third cell is hidden.
    table, cells, lines = one_way_cells([1, 1, 20, 30], 5)
    assert [cell.state for cell in cells] == [SMALL, SMALL, HIDDEN, SHOWN, SHOWN]
    assert_protected(cells, lines, 5)


def test_a_total_under_the_threshold_is_not_broken_down():
    # "<10" above 4 and 4 would leave 8 to share; above nine ones, it would say 9 = 1 + ... + 1.
    table, cells, lines = one_way_cells([4, 4], 10)
    assert [cell.text for cell in cells] == ["–", "–", "<10"]
    table, cells, lines = one_way_cells([1] * 9, 10)
    assert [cell.text for cell in cells] == ["–"] * 9 + ["<10"]


@pytest.mark.parametrize("threshold", [5, 10])
def test_a_hidden_cell_known_to_be_the_threshold_or_more_is_not_given_away(threshold):
    # "<N" + "*" = N + 1 would mean 1 and N: so more is hidden.
    table, cells, lines = one_way_cells([1, threshold, 20], threshold)
    assert_protected(cells, lines, threshold)


def test_totals_are_true_and_consistent_with_what_is_shown():
    table, cells, lines = one_way_cells([2, 9, 14, 0, 30], 5)
    assert table.total.value == 55 and table.total.text == "55"
    shown = sum(cell.value for cell in cells[:-1] if not cell.suppressed)
    hidden = [cell for cell in cells[:-1] if cell.suppressed]
    assert shown + sum(cell.value for cell in hidden) == table.total.value
    assert table.rows[3][1].text == "0"
    assert_protected(cells, lines, 5)


def test_a_two_way_table_cannot_be_solved_through_its_rows_and_columns():
    counts = {("a", "x"): 2, ("a", "y"): 10, ("a", "z"): 12, ("b", "x"): 8, ("b", "y"): 9, ("b", "z"): 15}
    table = two_way(["a", "b"], ["x", "y", "z"], counts, 5)
    cells = [*table.cells[0], *table.cells[1], *table.row_totals, *table.column_totals, table.total]
    lines = [([0, 1, 2], 6), ([3, 4, 5], 7), ([0, 3], 8), ([1, 4], 9), ([2, 5], 10), ([6, 7], 11),
             ([8, 9, 10], 11)]
    assert table.cells[0][0].text == "<5"
    assert table.total.value == 56
    assert_protected(cells, lines, 5)


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("threshold", [5, 10])
def test_random_one_way_tables_are_protected(seed, threshold):
    chance = random.Random(seed)
    values = [chance.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 25]) for _ in range(chance.randint(1, 5))]
    table, cells, lines = one_way_cells(values, threshold)
    assert all(cell.value == value for cell, value in zip(cells, values, strict=False))
    assert not any(0 < cell.value < threshold and not cell.suppressed for cell in cells)
    if any(cell.suppressed for cell in cells):
        assert_protected(cells, lines, threshold)


def test_lines_that_do_not_add_up_are_refused():
    release = Release()
    parts = [release.cell(1), release.cell(2)]
    total = release.cell(4)
    with pytest.raises(ValueError):
        release.line(parts, total)


# ---------------------------------------------------------------------------- whole releases


def year_of(monthly: dict[tuple[int, str, str], int], year: int = 2025) -> dict[tuple[date, str, str], int]:
    return {(date(year, month, 1), kind, region): count for (month, kind, region), count in monthly.items()}


def assert_nothing_pinned(made: publication.Publication, threshold: int = 10) -> list[str]:
    states = protect(made.release, threshold)
    pinned = {index: bounds for index, bounds in audit(made.release, states, threshold).items()
              if bounds[0] == bounds[1]}
    assert pinned == {}
    for index, value in enumerate(made.release.values):
        assert states[index] != SHOWN or not 0 < value < threshold
    return states


def texts_by_place(made: publication.Publication, states: list[str]) -> dict[tuple, str]:
    cells = cells_of(made.release, states, 10)
    return {(period, dimension, key): cells[index].text for index, period, dimension, key in made.places}


def test_overlapping_months_give_nothing_away_once_every_period_is_protected_together():
    """The problem as it was seen: June to August 9, June to July 5, so August 4. Periods are
    fixed now, and a month's count is one count however many pages show it."""
    made = publication.contribution_publication(2025, year_of({
        (6, "training", "GH-AA"): 3, (7, "training", "GH-AA"): 2, (8, "training", "GH-AA"): 4,
        (9, "training", "GH-AA"): 14, (10, "mentoring", "GH-AH"): 12, (11, "training", "GH-AH"): 25}))
    states = assert_nothing_pinned(made)
    texts = texts_by_place(made, states)
    assert texts[("2025-08", "total", "")] == texts[("2025", "month", "2025-08")] == texts[("2025-Q3", "month",
                                                                                            "2025-08")]
    assert texts[("2025-08", "total", "")] != "4"


def test_a_kind_under_the_threshold_in_its_year_is_not_shown_by_month():
    """One mission in each of nine months, nine in the year: "<10" for the year and "<10" in each
    month would say each month had exactly one. Under a year's small count, its months say "–"."""
    monthly = {(month, "mission", "GH-AA"): 1 for month in range(1, 10)}
    monthly |= {(month, "training", "GH-AA"): 20 + month for month in range(1, 13)}
    made = publication.contribution_publication(2025, year_of(monthly))
    texts = texts_by_place(made, assert_nothing_pinned(made))
    assert texts[("2025", "kind", "mission")] == "<10"
    assert {texts[(f"2025-{month:02d}", "kind", "mission")] for month in range(1, 13)} == {"–"}
    assert {texts[(f"2025-Q{quarter}", "kind", "mission")] for quarter in range(1, 5)} == {"–"}


@pytest.mark.parametrize("seed", range(6))
def test_a_year_of_random_contributions_is_protected_as_a_whole(seed):
    chance = random.Random(seed)
    kinds, regions = ["training", "mentoring", "mission", "research"], ["GH-AA", "GH-AH", "GH-NP", ""]
    monthly: dict[tuple[int, str, str], int] = {}
    for month in range(1, 13):
        for _ in range(chance.choice([0, 2, 5, 9, 14, 30])):
            key = (month, chance.choice(kinds), chance.choice(regions))
            monthly[key] = monthly.get(key, 0) + 1
    made = publication.contribution_publication(2025, year_of(monthly))
    states = assert_nothing_pinned(made)
    texts = texts_by_place(made, states)
    for month in range(1, 13):  # a month's total reads the same on its page and in its quarter's and year's
        key = f"2025-{month:02d}"
        assert texts[(key, "total", "")] == texts[("2025", "month", key)] == texts[
            (f"2025-Q{(month + 2) // 3}", "month", key)]


def test_member_tables_are_protected_together():
    stored = {
        "cadre": {"nurse": 14, "doctor": 9, "midwife": 6, "": 3},
        "specialty": {"paediatrics": 11, "surgery": 4, "": 17},
        "host_country": {"GB": 15, "US": 9, "CA": 5, "": 3},
        "return_interest": {"none": 18, "short_missions": 9, "permanent_return": 5},
        "intention": {"nurse|within_1_year": 6, "doctor|within_1_year": 3, "midwife|over_5_years": 4, "|": 1},
        "licence_status": {"active": 7, "lapsed": 3, "none": 22},
    }
    made = publication.member_publication(stored, 32, 10)
    texts = texts_by_place(made, assert_nothing_pinned(made))
    # Countries and specialties are named from 10 members up; the rest are added up.
    assert ("", "host_country", "US") not in texts and ("", "host_country", "GB") in texts
    assert texts[("", "host_country", publication.OTHER)] in ("14", "*")
    assert texts[("", "specialty", "paediatrics")] in ("11", "*") and ("", "specialty", "surgery") not in texts
    assert ("", "specialty", "") not in texts  # no specialty given is not a specialty: it is in "the rest"
    assert texts[("", "members", "")] == "32"


def test_when_nothing_shown_is_left_near_a_pinned_count_the_counts_around_it_are_not_shown():
    # At a threshold of 2, "<2" could only be 1: hiding the counts beside it cannot help, so
    # once none is left to hide, the counts connected to it are shown as "–" (no bound at all).
    table, cells, lines = one_way_cells([1, 5, 7], 2)
    assert [cell.text for cell in cells] == ["–", "–", "–", "–"]
    assert_protected(cells, lines, 2)
    table, cells, lines = one_way_cells([0, 5, 7], 2)  # no small count: nothing to hide
    assert [cell.text for cell in cells] == ["0", "5", "7", "12"]


def test_months_not_begun_are_known_to_count_nothing():
    """A reader knows that a month not begun counts nothing (a contribution cannot start in the
    future): December is shown as 0 even under a small quarter, and the audit reckons with it."""
    monthly = {(10, "training", "GH-AA"): 4, (11, "training", "GH-AA"): 2, (11, "mentoring", "GH-AH"): 3}
    monthly |= {(month, kind, "GH-AA"): 12 for month in range(1, 10) for kind in ("training", "mentoring")}
    made = publication.contribution_publication(2025, year_of(monthly), begun=11)
    states = protect(made.release, 10)
    texts = texts_by_place(made, states)
    assert texts[("2025-Q4", "total", "")] == "<10"
    assert texts[("2025-11", "total", "")] == "–"  # under the quarter's small count
    assert texts[("2025-12", "total", "")] == "0" and texts[("2025-12", "kind", "training")] == "0"
    # December is shown, as everyone knows it: the audit bounds the rest with that knowledge.
    assert {index: bounds for index, bounds in audit(made.release, states, 10).items() if bounds[0] == bounds[1]} == {}
