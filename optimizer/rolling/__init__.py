"""The rolling-horizon planner of the simulation (DESIGN §8): one workspace updated week by week, the
concepts run on each window, and reality executed as a solve of the same program.

It lives in the optimizer, after the concepts it runs, because it is mathematics with no Mesa in it and
the coordinator agent (``winwin.agents``, below ``winwin.models``) drives it.
"""

from winwin.optimizer.rolling.planner import (
    DISRUPTED_THROUGHPUT,
    GOVERNANCE_MODES,
    PLANNED_MODES,
    Execution,
    RollingPlanner,
    WindowPlan,
)

__all__ = ["DISRUPTED_THROUGHPUT", "GOVERNANCE_MODES", "PLANNED_MODES", "Execution", "RollingPlanner", "WindowPlan"]
