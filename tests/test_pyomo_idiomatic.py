"""A second, independently written formulation (idiomatic Pyomo) reaches the same optimum as ours."""

from __future__ import annotations

import copy

import pytest
from support import ALL_EVENTS, benchmark_module

from winwin.data import from_model, parse, synthetic
from winwin.optimizer import plan

idiomatic = benchmark_module("pyomo_idiomatic")
build_idiomatic, solve_idiomatic = idiomatic.build_idiomatic, idiomatic.solve_idiomatic


@pytest.mark.parametrize("args", [(4, 2, 3, 2, 8, 1), (6, 3, 4, 3, 10, 7), (9, 2, 2, 3, 7, 42)])
def test_same_optimum_on_synthetic(args: tuple[int, ...]) -> None:
    sc = synthetic(*args)
    assert solve_idiomatic(build_idiomatic(sc)) == pytest.approx(plan(sc, tie_break=False).px, rel=1e-6)


def test_same_optimum_on_tiny_with_every_event(tiny_copy: dict) -> None:  # type: ignore[type-arg]
    tiny_copy["events"] = copy.deepcopy(ALL_EVENTS)
    tiny_copy["partners"][3]["staff_hours"] = 3
    tiny_copy["partners"][3]["minutes_per_dose"] = 6
    tiny_copy["partners"].append({"id": "red_cross", "role": "volunteer_org", "hours": 1, "sites": ["s_north"]})
    tiny_copy["lanes"][2]["capacity"] = 35
    sc = from_model(parse(tiny_copy))
    ours = plan(sc, tie_break=False)
    assert solve_idiomatic(build_idiomatic(sc)) == pytest.approx(ours.px, rel=1e-6)
    # staff (3 h) and volunteers (1 h) give s_north 40 doses at 6 minutes: the volunteers are used
    assert ours.volunteer_hours()["hours"].sum() > 0
