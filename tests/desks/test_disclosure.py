"""Disclosure control (diaspora/desks/disclosure.py): no count from 1 to 4 is shown, and none
can be worked out from what is shown. The attack is run for real: every assignment of values
to the hidden cells that agrees with what a reader sees is enumerated."""

import itertools
import random

import pytest

from diaspora.desks.disclosure import HIDDEN, SHOWN, SMALL, Cell, one_way, primary, protect, two_way

LIMIT = 40  # the attacker tries hidden values up to this (above every true value in these tables)


def readings(cells: list[Cell], lines) -> list[tuple]:
    """Every assignment of the hidden cells consistent with what is shown: "<5" is 1 to 4, "*" is
    5 or more, a shown value is itself, and every line adds up."""
    hidden = [index for index, cell in enumerate(cells) if cell.suppressed]
    ranges = [range(1, 5) if cells[index].state == SMALL else range(5, LIMIT) for index in hidden]
    found = []
    for guess in itertools.product(*ranges):
        values = [cell.value for cell in cells]
        for index, value in zip(hidden, guess, strict=True):
            values[index] = value
        if all(sum(values[m] for m in members) == values[total] for members, total in lines):
            found.append(dict(zip(hidden, guess, strict=True)))
    return found


def assert_protected(cells: list[Cell], lines) -> None:
    found = readings(cells, lines)
    assert found, "the true values must be one of the readings"
    for index, cell in enumerate(cells):
        if cell.suppressed:
            assert len({reading[index] for reading in found}) > 1, f"cell {index} ({cell.value}) can be worked out"


def one_way_cells(values):
    table = one_way([(str(index), value) for index, value in enumerate(values)])
    cells = [cell for _, cell in table.rows] + [table.total]
    return table, cells, [(range(len(values)), len(values))]


def test_small_counts_show_as_less_than_five_and_zero_as_zero():
    assert [primary(value).text for value in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def test_a_single_small_cell_would_be_recoverable_from_the_total_so_another_is_hidden():
    table, cells, lines = one_way_cells([3, 20, 7])
    # Without the second step: 30 - 20 - 7 = 3. With it, the next smallest cell (7) is hidden.
    assert [cell.text for cell in cells] == ["<5", "20", "*", "30"]
    assert_protected(cells, lines)


def test_two_small_cells_that_add_up_to_too_little_are_protected_too():
    # 1 + 1 = 2 would give both away (each is at least 1): a third cell is hidden.
    table, cells, lines = one_way_cells([1, 1, 20, 30])
    assert [cell.state for cell in cells] == [SMALL, SMALL, HIDDEN, SHOWN, SHOWN]
    assert_protected(cells, lines)


def test_when_no_cell_is_left_to_hide_the_total_is_hidden():
    table, cells, lines = one_way_cells([4, 4])
    assert [cell.text for cell in cells] == ["<5", "<5", "*"]
    assert_protected(cells, lines)


def test_a_hidden_cell_known_to_be_five_or_more_is_not_given_away():
    # "<5" + "*" = 6 would mean 1 and 5: so more is hidden.
    table, cells, lines = one_way_cells([1, 5, 20])
    assert_protected(cells, lines)


def test_totals_are_true_and_consistent_with_what_is_shown():
    table, cells, lines = one_way_cells([2, 9, 14, 0, 30])
    assert table.total.value == 55 and table.total.text == "55"
    shown = sum(cell.value for cell in cells[:-1] if not cell.suppressed)
    hidden = [cell for cell in cells[:-1] if cell.suppressed]
    assert shown + sum(cell.value for cell in hidden) == table.total.value
    assert table.rows[3][1].text == "0"
    assert_protected(cells, lines)


def test_a_two_way_table_cannot_be_solved_through_its_rows_and_columns():
    counts = {("a", "x"): 2, ("a", "y"): 10, ("a", "z"): 12, ("b", "x"): 8, ("b", "y"): 9, ("b", "z"): 15}
    table = two_way(["a", "b"], ["x", "y", "z"], counts)
    cells = [*table.cells[0], *table.cells[1], *table.row_totals, *table.column_totals, table.total]
    lines = [([0, 1, 2], 6), ([3, 4, 5], 7), ([0, 3], 8), ([1, 4], 9), ([2, 5], 10), ([6, 7], 11),
             ([8, 9, 10], 11)]
    assert table.cells[0][0].text == "<5"
    assert table.total.value == 56
    assert_protected(cells, lines)


@pytest.mark.parametrize("seed", range(25))
def test_random_one_way_tables_are_protected(seed):
    chance = random.Random(seed)
    values = [chance.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20]) for _ in range(chance.randint(1, 5))]
    table, cells, lines = one_way_cells(values)
    assert all(cell.value == value for cell, value in zip(cells, values, strict=False))
    assert not any(0 < cell.value < 5 and not cell.suppressed for cell in cells)
    if any(cell.suppressed for cell in cells):
        assert_protected(cells, lines)


def test_lines_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError):
        protect([1, 2, 4], [([0, 1], 2)])
