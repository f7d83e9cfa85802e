"""The Solara entry of ``winwin explore`` (``solara run winwin.explore.app``): the page for the scenario named
by ``WINWIN_EXPLORE_SCENARIO`` (a bundled name or a file; belgium-2021 by default), loaded once per server."""

from __future__ import annotations

import os
from functools import cache

import solara

from winwin.data import Scenario, load
from winwin.explore.page import ExplorePage

SCENARIO_VARIABLE = "WINWIN_EXPLORE_SCENARIO"


@cache
def scenario(name: str) -> Scenario:
    return load(name)


@solara.component
def Page() -> None:
    ExplorePage(scenario(os.environ.get(SCENARIO_VARIABLE, "belgium-2021")))
