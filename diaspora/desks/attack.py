"""The attack a release is checked against (desks/disclosure.py, docs/disclosure.md): what a
reader can work out from everything shown. Each count is an integer unknown, bounded by what is
shown (a number is itself; "<10" is 1 to 9 and "*" 10 or more, at a threshold of 10; "–" is
anything from 0), and every line adds up; the least and the greatest value of a count are
found exactly, by integer programs (scipy's HiGHS). A count whose least and greatest values
meet is pinned."""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from diaspora.desks.disclosure import DEFAULT_THRESHOLD, HIDDEN, SHOWN, SMALL, Release

_WITNESS_TRIES = 2     # objectives that move many hidden counts at once, before one at a time


class Attack:
    """What a reader can work out from a release shown with given states: each count an
    integer unknown, bounded by what is shown, every line adding up; solved exactly by an
    integer program (HiGHS) for the least and the greatest value of a count. The counts not
    shown fall into groups that no line joins (once the shown counts are known, one group
    says nothing of another): each group is solved alone, which keeps the programs small."""

    def __init__(self, release: Release, threshold: int):
        self.release = release
        self.values = np.array(release.values, dtype=float)
        self.threshold = threshold
        size = len(release.values)
        # A ceiling on every count, twice above any true one, keeps the programs bounded ("*"
        # has no ceiling). It can only make the attack find fewer solutions, so more counts look
        # pinned and more is hidden: never less.
        self.cap = float(2 * sum(release.values) + threshold)
        rows, columns, data, low, high = [], [], [], [], []
        for number, line in enumerate(release.lines):  # total - parts = 0
            rows += [number] * (len(line.parts) + 1)
            columns += [line.total, *line.parts]
            data += [1.0] + [-1.0] * len(line.parts)
            low.append(0.0)
            high.append(0.0)
        for number, (part, whole) in enumerate(release.at_most, start=len(release.lines)):  # part - whole <= 0
            rows += [number, number]
            columns += [part, whole]
            data += [1.0, -1.0]
            low.append(-np.inf)
            high.append(0.0)
        self.matrix = csr_array((data, (rows, columns)), shape=(len(low), size))
        self.row_low, self.row_high = np.array(low), np.array(high)
        self.rows_of: list[set[int]] = [set() for _ in range(size)]
        for row, column in zip(rows, columns, strict=True):
            self.rows_of[column].add(row)
        self.lines_of: list[set[int]] = [set() for _ in range(size)]
        for number, line in enumerate(release.lines):
            for index in (*line.parts, line.total):
                self.lines_of[index].add(number)
        self.members_of_row: list[list[int]] = [[] for _ in range(len(low))]
        for row, column in zip(rows, columns, strict=True):
            self.members_of_row[row].append(column)
        self.solves = 0
        self.integer_solves = 0

    def _bounds(self, states: Sequence[str], cells: Sequence[int]) -> Bounds:
        low = np.empty(len(cells))
        high = np.empty(len(cells))
        for position, index in enumerate(cells):
            state = states[index]
            if state == SMALL:
                low[position], high[position] = 1, self.threshold - 1
            elif state == HIDDEN:
                low[position], high[position] = self.threshold, self.cap
            else:
                low[position], high[position] = 0, self.cap
        return Bounds(low, high)

    def groups(self, states: Sequence[str]) -> list[list[int]]:
        """The counts not shown, in groups that no line joins."""
        parent = {index: index for index, state in enumerate(states) if state != SHOWN}

        def root(index: int) -> int:
            while parent[index] != index:
                parent[index] = parent[parent[index]]
                index = parent[index]
            return index

        for members in self.members_of_row:
            free = [index for index in members if index in parent]
            for other in free[1:]:
                parent[root(other)] = root(free[0])
        found: dict[int, list[int]] = {}
        for index in parent:
            found.setdefault(root(index), []).append(index)
        return list(found.values())

    def problem(self, states: Sequence[str], cells: list[int]) -> "_Problem":
        rows = sorted(set().union(*(self.rows_of[index] for index in cells)))
        shown = np.array([0.0 if state != SHOWN else 1.0 for state in states]) * self.values
        block = self.matrix[rows]
        known = block @ shown
        matrix = block[:, cells]
        constraints = []
        if rows:
            constraints = [LinearConstraint(matrix, self.row_low[rows] - known, self.row_high[rows] - known)]
        return _Problem(self, cells, constraints, self._bounds(states, cells))

    def pinned(self, states: Sequence[str], to_check: set[int]) -> set[int]:
        """The counts of `to_check` a reader can work out exactly."""
        pinned: set[int] = set()
        for cells in self.groups(states):
            wanted = to_check.intersection(cells)
            if wanted:
                pinned |= self.problem(states, cells).pinned(wanted)
        return pinned

    def range_of(self, states: Sequence[str], index: int) -> tuple[int, int]:
        """The least and greatest value a reader can give the count."""
        cells = next(group for group in self.groups(states) if index in group)
        return self.problem(states, cells).range_of(index)

    def around(self, start: int) -> Iterator[set[int]]:
        """The counts on a line (or a subset relation) through `start`, then those on a line
        through one of them, and so on outwards: one set a step, each count once."""
        seen_rows: set[int] = set()
        seen_cells = {start}
        frontier = {start}
        while frontier:
            step: set[int] = set()
            for index in frontier:
                for row in self.rows_of[index] - seen_rows:
                    seen_rows.add(row)
                    step.update(self.members_of_row[row])
            frontier = step - seen_cells
            seen_cells |= frontier
            if frontier:
                yield frontier

    def nearest_shown(self, states: Sequence[str], start: int) -> int | None:
        """The smallest shown, non-zero count nearest to `start` (through the fewest lines)."""
        for step in self.around(start):
            candidates = [(self.values[i], i) for i in step if states[i] == SHOWN and self.values[i] > 0]
            if candidates:
                return min(candidates)[1]
        return None


@dataclass
class _Problem:
    """One group of counts not shown, as an integer program over those counts alone."""

    attack: Attack
    cells: list[int]
    constraints: list
    bounds: Bounds

    def solve(self, objective: np.ndarray) -> np.ndarray:
        """An integer point a reader cannot rule out, least in `objective`: the linear
        relaxation first (its optimum is the integer optimum whenever it is a whole number,
        which lines of counts usually give), the integer program when it is not."""
        self.attack.solves += 1
        relaxed = milp(objective, constraints=self.constraints, bounds=self.bounds)
        if relaxed.x is not None and np.allclose(relaxed.x, np.rint(relaxed.x), atol=1e-7):
            return np.rint(relaxed.x)
        self.attack.integer_solves += 1
        result = milp(objective, constraints=self.constraints, integrality=np.ones(len(objective)),
                      bounds=self.bounds)
        if result.x is None:  # the true values are always a solution
            raise RuntimeError(f"the attack found no solution: {result.message}")
        return np.rint(result.x)

    def pinned(self, wanted: set[int]) -> set[int]:
        """The counts of `wanted` a reader can work out exactly. A solution that moves a count
        away from its true value proves it cannot be; one solution usually moves many."""
        position = {index: number for number, index in enumerate(self.cells)}
        truth = self.attack.values[self.cells]
        open_ = {position[index] for index in wanted}

        def settle(solution: np.ndarray) -> None:
            open_.difference_update({at for at in open_ if solution[at] != truth[at]})

        chance = random.Random(len(open_))
        for _ in range(_WITNESS_TRIES):
            if len(open_) < 2:
                break
            objective = np.zeros(len(self.cells))
            for at in open_:
                objective[at] = chance.choice((-1.0, 1.0))
            settle(self.solve(objective))
            settle(self.solve(-objective))
        pinned = set()
        for at in sorted(open_):
            if at not in open_:
                continue
            objective = np.zeros(len(self.cells))
            for sense in (1.0, -1.0):
                objective[at] = sense
                settle(self.solve(objective))
                if at not in open_:
                    break
            else:
                pinned.add(self.cells[at])
                open_.discard(at)
        return pinned

    def range_of(self, index: int) -> tuple[int, int]:
        at = self.cells.index(index)
        objective = np.zeros(len(self.cells))
        objective[at] = 1.0
        least = self.solve(objective)[at]
        objective[at] = -1.0
        greatest = self.solve(objective)[at]
        return int(least), int(greatest)


def audit(release: Release, states: Sequence[str], threshold: int = DEFAULT_THRESHOLD) -> dict[int, tuple[int, int]]:
    """The exact range a reader can give each count that is not shown (and is not 0)."""
    attack = Attack(release, threshold)
    ranges = {}
    for cells in attack.groups(states):
        problem = attack.problem(states, cells)
        for index in cells:
            if release.values[index] > 0:
                ranges[index] = problem.range_of(index)
    return ranges
