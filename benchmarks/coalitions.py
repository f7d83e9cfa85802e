"""Coalition-game benchmark (issue 5): exact Shapley of synthetic ecosystems with 10, 12 and 14 partners
(2ⁿ coalitions, two LPs each: max PX, then max monetised value).

For each size, measured in one run:
- exact game in-process (one model per chunk of coalitions, warm-started) — the baseline for Ray;
- the same on Ray with 2 workers (target ≥ 1.7× the in-process rate);
- rebuilding the model for every coalition (timed on the first 128 coalitions) — the baseline for re-use.

Rows give coalitions solved per second; ratios are ours / baseline. Run:
``python -m benchmarks.coalitions [--sizes 10,12,14]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from winwin.data import synthetic
from winwin.optimizer.games.coalitions import CoalitionValues, coalition_game, players_of
from winwin.optimizer.games.tu import shapley
from winwin.optimizer.parallel import InProcessExecutor, RayExecutor

SITES = {10: 5, 12: 7, 14: 9}
"""Partners = 2 manufacturers + hub + 1 regional distributor + sites + payer."""


def _scenario(players: int):  # type: ignore[no-untyped-def]
    return synthetic(n_sites=SITES[players], n_regions=5, n_groups=3, n_products=2, periods=8, seed=1)


def _rebuild_rate(sc, players, count: int = 128) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for mask in range(count):
        CoalitionValues(sc, players).monetised(mask)
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,12,14")
    args = parser.parse_args(argv)
    ray = RayExecutor(workers=2)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        sc = _scenario(n)
        players = players_of(sc, "partners")
        assert len(players.names) == n
        start = time.perf_counter()
        local = coalition_game(sc, players, InProcessExecutor())
        t_local = time.perf_counter() - start
        start = time.perf_counter()
        remote = coalition_game(sc, players, ray)
        t_ray = time.perf_counter() - start
        assert np.array_equal(local.game.v, remote.game.v), "Ray and in-process differ"
        phi = shapley(local.game)
        assert abs(phi.sum() - local.game.v[-1]) <= 1e-6 * max(1.0, abs(local.game.v[-1]))
        coalitions = 1 << n
        rebuild = _rebuild_rate(sc, players)
        rows.append((n, coalitions, coalitions / t_local, coalitions / t_ray, rebuild, t_local, t_ray))
    print("exact Shapley on synthetic ecosystems; coalitions solved per second, measured in one run")
    print(
        "| players | coalitions | in-process | Ray 2 workers | Ray / in-process | rebuild per coalition | re-use / rebuild |"
    )
    print("|---|---|---|---|---|---|---|")
    for n, c, local, remote, rebuild, t_local, t_ray in rows:
        print(
            f"| {n} | {c} | {local:.1f}/s ({t_local:.1f} s) | {remote:.1f}/s ({t_ray:.1f} s) | {remote / local:.2f}× "
            f"| {rebuild:.1f}/s | {local / rebuild:.2f}× |"
        )


if __name__ == "__main__":
    main()
