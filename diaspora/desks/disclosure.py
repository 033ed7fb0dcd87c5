"""Disclosure control for the counts a desk sees (docs/disclosure.md): no count of people or
records from 1 to 4 is shown, and none can be worked out from the totals beside it.

* Primary suppression: a count from 1 to 4 shows as "<5" (0 shows as 0).
* Secondary suppression: a table's totals are true totals, so a hidden count could be
  recovered by subtracting the shown cells from its row's or column's total. After the primary
  step, the table is audited as an outsider would attack it: each hidden count is given the
  bounds a reader knows ("<5": 1 to 4; "*": 5 or more; a shown count: itself), the bounds are
  tightened through every line (a row or column and its total) until nothing changes, and if
  any hidden count is then pinned to a single value, the smallest shown count of a line that
  holds it is hidden too ("*"), or the line's total when no cell is left. Repeat until no
  hidden count is pinned.

Pure functions on integers: no database, no request. A `Cell` keeps its true value (for the
sums and the tests) and its state; what a reader sees is `Cell.text` (or the `disclosed`
template filter, which writes shown numbers in the reader's language)."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

THRESHOLD = 5          # counts below this (and above 0) are never shown
SMALL_TEXT = "<5"
HIDDEN_TEXT = "*"      # hidden to protect a small count elsewhere in its row or column
SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"
_UNBOUNDED = 10**12
_PASSES = 60           # bound tightening converges in a few passes; this only guards the loop


@dataclass(frozen=True)
class Cell:
    value: int
    state: str = SHOWN

    @property
    def shown(self) -> int | None:
        """The number a reader sees, or None when it is hidden."""
        return self.value if self.state == SHOWN else None

    @property
    def suppressed(self) -> bool:
        return self.state != SHOWN

    @property
    def text(self) -> str:
        """What a reader sees, as plain text (CSV): 12, <5 or *."""
        if self.state == SMALL:
            return SMALL_TEXT
        if self.state == HIDDEN:
            return HIDDEN_TEXT
        return str(self.value)

    def __str__(self) -> str:
        return self.text


def primary(value: int) -> Cell:
    """A count shown alone, with no total beside it: only the primary rule applies."""
    return Cell(value, SMALL if 0 < value < THRESHOLD else SHOWN)


# ---------------------------------------------------------------------------- the audit


Line = tuple[Sequence[int], int]  # (indices of the cells, index of their total)


def protect(values: Sequence[int], lines: Sequence[Line]) -> list[str]:
    """The state of each value, given the lines (cells that add up to a total) a reader sees.
    Every value must be a count (>= 0) and each line's total the sum of its cells."""
    for members, total in lines:
        if sum(values[index] for index in members) != values[total]:
            raise ValueError("a line's total is not the sum of its cells")
    states = [primary(value).state for value in values]
    while True:  # each turn hides one more value: at most len(values) turns
        pinned = pinned_values(values, states, lines)
        if not pinned:
            return states
        index = _to_hide(values, states, lines, pinned)
        if index is None:  # nothing shown is left to hide
            return states
        states[index] = HIDDEN


def bounds(values: Sequence[int], states: Sequence[str], lines: Sequence[Line]) -> tuple[list[int], list[int]]:
    """The lowest and highest value a reader can give each count, from what is shown."""
    low = [value if state == SHOWN else 1 if state == SMALL else THRESHOLD
           for value, state in zip(values, states, strict=True)]
    high = [value if state == SHOWN else THRESHOLD - 1 if state == SMALL else _UNBOUNDED
            for value, state in zip(values, states, strict=True)]
    for _ in range(_PASSES):
        changed = False
        for members, total in lines:
            sum_low = sum(low[index] for index in members)
            sum_high = sum(high[index] for index in members)
            if sum_low > low[total] or sum_high < high[total]:
                low[total], high[total] = max(low[total], sum_low), min(high[total], sum_high)
                changed = True
            for index in members:
                others_low, others_high = sum_low - low[index], sum_high - high[index]
                new_low = max(low[index], low[total] - others_high)
                new_high = min(high[index], high[total] - others_low)
                if (new_low, new_high) != (low[index], high[index]):
                    sum_low += new_low - low[index]
                    sum_high += new_high - high[index]
                    low[index], high[index] = new_low, new_high
                    changed = True
        if not changed:
            break
    return low, high


def pinned_values(values: Sequence[int], states: Sequence[str], lines: Sequence[Line]) -> set[int]:
    """The hidden counts a reader can work out exactly."""
    low, high = bounds(values, states, lines)
    return {index for index, state in enumerate(states) if state != SHOWN and low[index] >= high[index]}


def _to_hide(values, states, lines, pinned: set[int]) -> int | None:
    """The smallest shown, non-zero cell of a line through a pinned count; else such a line's
    total; else the smallest shown, non-zero value anywhere (the pin came from further away)."""
    through = [line for line in lines if pinned & {*line[0], line[1]}]
    for group in ([index for members, _ in through for index in members], [total for _, total in through],
                  range(len(values))):
        candidates = [(values[index], index) for index in group if states[index] == SHOWN and values[index] > 0]
        if candidates:
            return min(candidates)[1]
    return None


# ---------------------------------------------------------------------------- tables


@dataclass
class OneWay:
    """Counts by one dimension and their total."""

    rows: list[tuple[Hashable, Cell]]
    total: Cell

    @property
    def empty(self) -> bool:
        return self.total.value == 0


def one_way(items: Sequence[tuple[Hashable, int]]) -> OneWay:
    values = [int(count) for _, count in items]
    values.append(sum(values))
    states = protect(values, [(range(len(items)), len(items))])
    cells = [Cell(value, state) for value, state in zip(values, states, strict=True)]
    return OneWay(rows=[(key, cell) for (key, _), cell in zip(items, cells[:-1], strict=True)], total=cells[-1])


@dataclass
class TwoWay:
    """Counts by two dimensions (rows × columns), with row, column and grand totals."""

    row_keys: list[Hashable]
    column_keys: list[Hashable]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell

    @property
    def empty(self) -> bool:
        return self.total.value == 0


def two_way(row_keys: Sequence[Hashable], column_keys: Sequence[Hashable],
            counts: dict[tuple[Hashable, Hashable], int]) -> TwoWay:
    """`counts[(row, column)]` (absent: 0). Every row, every column, the row totals and the
    column totals are lines a reader can subtract along."""
    rows, columns = len(row_keys), len(column_keys)
    values = [int(counts.get((r, c), 0)) for r in row_keys for c in column_keys]
    cell = lambda r, c: r * columns + c  # noqa: E731
    row_total = lambda r: rows * columns + r  # noqa: E731
    column_total = lambda c: rows * columns + rows + c  # noqa: E731
    grand = rows * columns + rows + columns
    values += [sum(values[cell(r, c)] for c in range(columns)) for r in range(rows)]
    values += [sum(values[cell(r, c)] for r in range(rows)) for c in range(columns)]
    values.append(sum(values[row_total(r)] for r in range(rows)))
    lines: list[Line] = [([cell(r, c) for c in range(columns)], row_total(r)) for r in range(rows)]
    lines += [([cell(r, c) for r in range(rows)], column_total(c)) for c in range(columns)]
    lines.append(([row_total(r) for r in range(rows)], grand))
    lines.append(([column_total(c) for c in range(columns)], grand))
    states = protect(values, lines)
    made = [Cell(value, state) for value, state in zip(values, states, strict=True)]
    return TwoWay(row_keys=list(row_keys), column_keys=list(column_keys),
                  cells=[[made[cell(r, c)] for c in range(columns)] for r in range(rows)],
                  row_totals=[made[row_total(r)] for r in range(rows)],
                  column_totals=[made[column_total(c)] for c in range(columns)], total=made[grand])
