"""Run every benchmark (``make bench``); each prints its own table with baselines beside ours."""

from __future__ import annotations

from benchmarks import (
    allocation,
    coalitions,
    concepts,
    explore,
    reduction,
    robust,
    robust_simulation,
    scheduling,
    simulation,
    sweeps,
)


def main() -> None:
    print("## allocation model (issue 3)\n")
    allocation.main([])
    print("\n## win-win concepts and frontier (issue 4)\n")
    concepts.main([])
    print("\n## coalition games (issue 5)\n")
    coalitions.main([])
    print("\n## scheduling (issue 6)\n")
    scheduling.main([])
    print("\n## ecosystem simulation (issue 7)\n")
    simulation.main([])
    print("\n## sweeps (issue 8)\n")
    sweeps.main([])
    print("\n## the reduced planning model (issue 20)\n")
    reduction.main([])
    print("\n## the explore page's steps (issue 23)\n")
    explore.main([])
    print("\n## robust win-win over sampled futures (issue 22)\n")
    robust.main([])
    print("\n## the robust planner in the simulation (issue 22; the note's table: --seeds 20)\n")
    robust_simulation.main(["--seeds", "4", "--ray"])


if __name__ == "__main__":
    main()
