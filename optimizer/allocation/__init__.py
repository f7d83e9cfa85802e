"""The allocation model (DESIGN §4): variables, constraint families, the model, plan results, the joint
optimum, the silo baseline and its split rules as rows, and infeasibility explained in partner terms."""

from winwin.optimizer.allocation.diagnose import explain_infeasibility
from winwin.optimizer.allocation.joint import TIE_TOLERANCE, joint_plan, solve_joint
from winwin.optimizer.allocation.model import AllocationModel, build_allocation_model
from winwin.optimizer.allocation.result import Plan
from winwin.optimizer.allocation.rules import rule_rows
from winwin.optimizer.allocation.silo import silo_plan

__all__ = [
    "TIE_TOLERANCE",
    "AllocationModel",
    "Plan",
    "build_allocation_model",
    "explain_infeasibility",
    "joint_plan",
    "rule_rows",
    "silo_plan",
    "solve_joint",
]
