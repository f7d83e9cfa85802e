"""How fast the explore page steps (issue 23): one belgium-2021 week of the governance mode and its silo twin,
on the reduced model (ours) and on the full one (``exact``, the baseline), one run each.

Run: ``python -m benchmarks.explore [--scenario belgium-2021] [--modes winwin,nash] [--weeks 26]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from winwin.data import Scenario, load
from winwin.explore.session import Exploration, defaults


def weeks(sc: Scenario, mode: str, n: int, exact: bool) -> tuple[np.ndarray, float]:
    """Seconds of each of ``n`` steps, and of opening the page's run."""
    start = time.perf_counter()
    run = Exploration(sc, defaults(sc).changed(mode=mode, exact=exact))
    opened = time.perf_counter() - start
    for _ in range(n):
        if not run.step():
            break
    return np.array(run.seconds), opened


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="belgium-2021")
    parser.add_argument("--modes", default="winwin,nash")
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args(argv)
    sc = load(args.scenario)
    print(f"{args.scenario}: seconds per explore step (the mode and its silo twin), {args.weeks} weeks, one run\n")
    print("| mode | model | open s | mean s / week | slowest week s | weeks ≤ 1 s | full / reduced (mean) |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        ours, open_ours = weeks(sc, mode, args.weeks, exact=False)
        full, open_full = weeks(sc, mode, args.weeks, exact=True)
        for name, s, o in (("full (baseline)", full, open_full), ("reduced (ours)", ours, open_ours)):
            ratio = f"{full.mean() / ours.mean():.1f}×" if name.startswith("reduced") else ""
            print(
                f"| {mode} | {name} | {o:.1f} | {s.mean():.2f} | {s.max():.2f} | {(s <= 1).sum()}/{s.size} | {ratio} |"
            )


if __name__ == "__main__":
    main()
