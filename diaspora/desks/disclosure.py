"""Disclosure control for the counts a desk sees (docs/disclosure.md): no count from 1 to
threshold - 1 is shown, and none can be worked out from everything a desk can read.

A `Release` is every count a reader can obtain, from every table of every period, and how they
add up (`Line`: parts and their total; `at_most`: a count of a subset of another's people).
`protect` decides what each count shows:

* Primary: a count from 1 to threshold - 1 shows as "<10" (SMALL); 0 shows as 0.
* Nothing under a small count is shown: the parts of a line whose total is small (a table's
  rows, a period's months, a grid's row) are not shown, "–" (UNSEEN), nor their own parts.
* Complementary: the release is attacked as a reader would, exactly: each count is an integer
  unknown; a shown count is itself, "<10" is 1 to threshold - 1, "*" is threshold or more, "–"
  is anything; every line adds up. An integer program (scipy's HiGHS) gives the least and
  greatest value of each hidden count; a hidden count whose least and greatest meet is pinned,
  and the smallest shown count near it is hidden too, "*" (HIDDEN). Repeat until none is.

Pure functions on integers: no database, no request, no configuration (the threshold is
passed in). A `Cell` keeps its true value (for sums and tests) and its state; what a reader
sees is `Cell.text` (or the `disclosed` template filter, which writes shown numbers in the
reader's language)."""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

DEFAULT_THRESHOLD = 10
HIDDEN_TEXT = "*"      # hidden to protect a small count elsewhere: threshold or more
UNSEEN_TEXT = "–"      # not shown at all (part of a small count): any number, 0 included
SHOWN, SMALL, HIDDEN, UNSEEN = "shown", "small", "hidden", "unseen"


@dataclass(frozen=True)
class Cell:
    value: int
    state: str = SHOWN
    threshold: int = DEFAULT_THRESHOLD

    @property
    def shown(self) -> int | None:
        """The number a reader sees, or None when it is hidden."""
        return self.value if self.state == SHOWN else None

    @property
    def suppressed(self) -> bool:
        return self.state != SHOWN

    @property
    def text(self) -> str:
        """What a reader sees, as plain text (CSV): 12, <10, * or –."""
        if self.state == SMALL:
            return small_text(self.threshold)
        if self.state == HIDDEN:
            return HIDDEN_TEXT
        if self.state == UNSEEN:
            return UNSEEN_TEXT
        return str(self.value)

    def __str__(self) -> str:
        return self.text


def small_text(threshold: int) -> str:
    return f"<{threshold}"


def primary_state(value: int, threshold: int) -> str:
    return SMALL if 0 < value < threshold else SHOWN


def primary(value: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """A count shown alone, with no total beside it: only the primary rule applies."""
    return Cell(value, primary_state(value, threshold), threshold)


# ---------------------------------------------------------------------------- a release


@dataclass(frozen=True)
class Line:
    """Counts that add up to another, as a reader can subtract along: a table's rows and its
    total, a period's months and the period, a kind's months and its year."""

    parts: tuple[int, ...]
    total: int


@dataclass
class Release:
    """Every count a reader can obtain (by index) and every way they add up."""

    values: list[int] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    at_most: list[tuple[int, int]] = field(default_factory=list)  # (a, b): values[a] <= values[b]
    known: set[int] = field(default_factory=set)  # counts every reader knows anyway (a month not begun: 0)

    def cell(self, value: int) -> int:
        if value < 0:
            raise ValueError("a count is never negative")
        self.values.append(int(value))
        return len(self.values) - 1

    def line(self, parts: Iterable[int], total: int) -> None:
        parts = tuple(parts)
        if sum(self.values[index] for index in parts) != self.values[total]:
            raise ValueError("a line's total is not the sum of its cells")
        self.lines.append(Line(parts, total))

    def know(self, index: int) -> None:
        self.known.add(index)

    def subset(self, part: int, whole: int) -> None:
        if self.values[part] > self.values[whole]:
            raise ValueError("a subset cannot count more than its whole")
        self.at_most.append((part, whole))


def protect(release: Release, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """The state of each count of the release: shown, small, hidden or unseen."""
    if threshold < 2:
        raise ValueError("the threshold must be 2 or more")
    from diaspora.desks.attack import Attack  # scipy, loaded when a release is protected, not with the app

    states = [primary_state(value, threshold) for value in release.values]
    for index in _under_small_counts(release, threshold) - release.known:
        states[index] = UNSEEN
    for index in release.known:
        states[index] = SHOWN
    attack = Attack(release, threshold)
    to_check = {index for index, state in enumerate(states) if state != SHOWN and release.values[index] > 0}
    while to_check:
        pinned = attack.pinned(states, to_check)
        if not pinned:
            break
        to_check = pinned | _hide_more(attack, states, pinned)
    return states


def _under_small_counts(release: Release, threshold: int) -> set[int]:
    """Every part of a line whose total is small, and the parts of those, down to the bottom:
    a small count is never broken down, so no reader learns which of its parts are empty."""
    under: set[int] = set()
    changed = True
    while changed:
        changed = False
        for line in release.lines:
            value = release.values[line.total]
            if (0 < value < threshold or line.total in under) and not under.issuperset(line.parts):
                under.update(line.parts)
                changed = True
    return under


def _hide_more(attack, states: list[str], pinned: set[int]) -> set[int]:
    """Hide, for each pinned count, the smallest shown count nearest to it (through the fewest
    lines); one per line in a turn, since one may free several. When no shown count is left
    anywhere connected to a pinned one, every count connected to it is left unseen instead:
    with no bound but 0, doubling all of them keeps every line true, so none can be pinned (the
    release only loses detail). Each turn changes a state for good, so the turns end."""
    changed: set[int] = set()
    touched: set[int] = set()
    values = attack.values
    for index in sorted(pinned, key=lambda i: (values[i], i)):
        if touched & attack.lines_of[index]:
            continue
        chosen = attack.nearest_shown(states, index)
        if chosen is not None:
            states[chosen] = HIDDEN
            changed.add(chosen)
            touched |= attack.lines_of[chosen]
            continue
        for other in {index}.union(*attack.around(index)):
            if states[other] in (SMALL, HIDDEN):
                states[other] = UNSEEN
                changed.add(other)
        touched |= attack.lines_of[index]
    return changed


def cells_of(release: Release, states: Sequence[str], threshold: int) -> list[Cell]:
    return [Cell(value, state, threshold) for value, state in zip(release.values, states, strict=True)]


# ---------------------------------------------------------------------------- single tables


@dataclass
class OneWay:
    """Counts by one dimension and their total."""

    rows: list[tuple[Hashable, Cell]]
    total: Cell


def one_way(items: Sequence[tuple[Hashable, int]], threshold: int = DEFAULT_THRESHOLD) -> OneWay:
    """A table alone (no other table shares its counts)."""
    release = Release()
    parts = [release.cell(count) for _, count in items]
    total = release.cell(sum(release.values))
    release.line(parts, total)
    cells = cells_of(release, protect(release, threshold), threshold)
    return OneWay(rows=[(key, cells[index]) for (key, _), index in zip(items, parts, strict=True)],
                  total=cells[total])


@dataclass
class TwoWay:
    """Counts by two dimensions (rows × columns), with row, column and grand totals."""

    row_keys: list[Hashable]
    column_keys: list[Hashable]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell


@dataclass
class TwoWayIndex:
    """Where a two-way table's counts are in a release."""

    cells: list[list[int]]
    row_totals: list[int]
    column_totals: list[int]
    total: int


def add_two_way(release: Release, row_keys: Sequence[Hashable], column_keys: Sequence[Hashable],
                counts: dict[tuple[Hashable, Hashable], int]) -> TwoWayIndex:
    """Every row, every column, the row totals and the column totals are lines."""
    grid = [[release.cell(int(counts.get((r, c), 0))) for c in column_keys] for r in row_keys]
    row_totals = [release.cell(sum(release.values[i] for i in row)) for row in grid]
    column_totals = [release.cell(sum(release.values[row[c]] for row in grid)) for c in range(len(column_keys))]
    total = release.cell(sum(release.values[i] for i in row_totals))
    for row, row_total in zip(grid, row_totals, strict=True):
        release.line(row, row_total)
    for c, column_total in enumerate(column_totals):
        release.line([row[c] for row in grid], column_total)
    release.line(row_totals, total)
    release.line(column_totals, total)
    return TwoWayIndex(grid, row_totals, column_totals, total)


def two_way_of(index: TwoWayIndex, cells: Sequence[Cell], row_keys, column_keys) -> TwoWay:
    return TwoWay(row_keys=list(row_keys), column_keys=list(column_keys),
                  cells=[[cells[i] for i in row] for row in index.cells],
                  row_totals=[cells[i] for i in index.row_totals],
                  column_totals=[cells[i] for i in index.column_totals], total=cells[index.total])


def two_way(row_keys: Sequence[Hashable], column_keys: Sequence[Hashable],
            counts: dict[tuple[Hashable, Hashable], int], threshold: int = DEFAULT_THRESHOLD) -> TwoWay:
    """`counts[(row, column)]` (absent: 0), a table alone."""
    release = Release()
    index = add_two_way(release, row_keys, column_keys, counts)
    states = _protected(tuple(release.values), tuple(release.lines), threshold)
    return two_way_of(index, cells_of(release, list(states), threshold), row_keys, column_keys)


@lru_cache(maxsize=256)
def _protected(values: tuple[int, ...], lines: tuple[Line, ...], threshold: int) -> tuple[str, ...]:
    """`protect` of a table alone, once per distinct table: its states follow from its counts
    alone, and a table read on every view of a page (a desk's submissions by topic and status)
    would otherwise set up the integer programs on every view."""
    return tuple(protect(Release(values=list(values), lines=list(lines)), threshold))
