"""How long the disclosure audit takes on a realistic desk (docs/disclosure.md): five years of
verified contributions, by month, 9 kinds and 16 regions, at a few volumes. For each year it
times `publication.contribution_publication` + `disclosure.protect` (what `flask desks refresh`
runs when a year's counts change), then checks the result with a plain exact audit, written
apart from the app's: an integer program per count not shown, least and greatest, over the
whole year at once (no grouping, no linear relaxation first).

    .venv/bin/python bench/disclosure_bench.py                 # 20, 60 and 200 a month (a few minutes)
    .venv/bin/python bench/disclosure_bench.py --per-month 60 --years 1 --no-check

No database: the counts are made up, skewed as real ones are (a few kinds and regions take most)."""

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import date

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from diaspora.contributions.models import KINDS
from diaspora.desks.disclosure import HIDDEN, SHOWN, SMALL, protect
from diaspora.desks.engagement import publication

REGIONS = ["GH-AA", "GH-AH", "GH-NP", "GH-EP", "GH-CP", "GH-WP", "GH-TV", "GH-UE", "GH-UW", "GH-BO", "GH-BE",
           "GH-AF", "GH-OT", "GH-SV", "GH-NE", "GH-WN"]


def made_up_year(chance: random.Random, year: int, per_month: int) -> dict:
    kinds = list(KINDS)
    kind_weights = [1 / (rank + 1) ** 1.2 for rank in range(len(kinds))]
    region_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(REGIONS))]
    counted: dict = {}
    for month in range(1, 13):
        for _ in range(max(0, round(chance.gauss(per_month, per_month ** 0.5)))):
            key = (date(year, month, 1), chance.choices(kinds, kind_weights)[0],
                   chance.choices(REGIONS, region_weights)[0])
            counted[key] = counted.get(key, 0) + 1
    return counted


def plain_audit(release, states, threshold: int) -> tuple[int, int]:
    """(counts checked, counts pinned): min and max of every count not shown (and not 0)."""
    size = len(release.values)
    matrix = lil_array((len(release.lines), size))
    for number, line in enumerate(release.lines):
        matrix[number, line.total] = 1
        for part in line.parts:
            matrix[number, part] = -1
    low = np.array([v if s == SHOWN else 1 if s == SMALL else threshold if s == HIDDEN else 0
                    for v, s in zip(release.values, states, strict=True)], dtype=float)
    high = np.array([v if s == SHOWN else threshold - 1 if s == SMALL else np.inf
                     for v, s in zip(release.values, states, strict=True)], dtype=float)
    constraints = [LinearConstraint(matrix.tocsr(), 0, 0)]
    checked = pinned = 0
    for index, (value, state) in enumerate(zip(release.values, states, strict=True)):
        if state == SHOWN or not value:
            continue
        checked += 1
        found = []
        for sense in (1.0, -1.0):
            cost = np.zeros(size)
            cost[index] = sense
            result = milp(cost, constraints=constraints, integrality=np.ones(size), bounds=Bounds(low, high))
            found.append(None if result.x is None else round(result.x[index]))
        pinned += found[0] is not None and found[0] == found[1]
    return checked, pinned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-month", default="20,60,200", help="contributions a month, comma-separated")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--threshold", type=int, default=10)
    parser.add_argument("--no-check", action="store_true", help="skip the plain exact audit")
    options = parser.parse_args()
    for per_month in (int(value) for value in options.per_month.split(",")):
        chance = random.Random(per_month)
        timings, audits, states_seen, cells = [], [], Counter(), 0
        checked = pinned = 0
        for year in range(2021, 2021 + options.years):
            counted = made_up_year(chance, year, per_month)
            started = time.perf_counter()
            made = publication.contribution_publication(year, counted)
            states = protect(made.release, options.threshold)
            timings.append(time.perf_counter() - started)
            states_seen.update(states)
            cells += len(states)
            if not options.no_check:
                started = time.perf_counter()
                year_checked, year_pinned = plain_audit(made.release, states, options.threshold)
                audits.append(time.perf_counter() - started)
                checked += year_checked
                pinned += year_pinned
        print(f"{per_month:>4} a month, {options.years} years, {cells} counts "
              f"({', '.join(f'{state} {count}' for state, count in sorted(states_seen.items()))}): "
              f"protect {sum(timings):.2f} s in all, a year {statistics.median(timings):.2f} s median, "
              f"{max(timings):.2f} s at most"
              + ("" if options.no_check else
                 f"; plain exact audit {sum(audits):.1f} s for {checked} counts not shown, {pinned} pinned"),
              flush=True)


if __name__ == "__main__":
    main()
