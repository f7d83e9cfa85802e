"""Run every benchmark (``make bench``); each prints its own table with baselines beside ours."""

from __future__ import annotations

from benchmarks import allocation


def main() -> None:
    print("## allocation model (issue 3)\n")
    allocation.main([])


if __name__ == "__main__":
    main()
