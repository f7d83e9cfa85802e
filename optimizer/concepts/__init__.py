"""Win-win solution concepts (DESIGN §5): bargaining, the negotiation (IR, transfers, subsidies), the
win-win certificate, the deal sheet, the deal on the coalition game, the Pareto frontier, and ``plan``."""

from winwin.optimizer.concepts.bargaining import BargainingError, BargainingProblem, solve_bargaining
from winwin.optimizer.concepts.certificate import CERTIFICATE_TOLERANCE, Certificate, certify, fairness, make_whole
from winwin.optimizer.concepts.compare import Comparison, compare, default_concepts, parse_concepts
from winwin.optimizer.concepts.deal import DealCheck, check_deal, coalitions_report, report
from winwin.optimizer.concepts.frontier import Frontier, FrontierPoint, frontier
from winwin.optimizer.concepts.negotiation import (
    CONCEPTS,
    SPLITS,
    TRANSFER_MODES,
    Negotiation,
    Outcome,
    PriceOfWinWin,
)
from winwin.optimizer.concepts.planning import plan
from winwin.optimizer.concepts.reduced import deal_sheet, reduced_compare

__all__ = [
    "CERTIFICATE_TOLERANCE",
    "CONCEPTS",
    "SPLITS",
    "TRANSFER_MODES",
    "BargainingError",
    "BargainingProblem",
    "Certificate",
    "Comparison",
    "DealCheck",
    "Frontier",
    "FrontierPoint",
    "Negotiation",
    "Outcome",
    "PriceOfWinWin",
    "certify",
    "check_deal",
    "coalitions_report",
    "compare",
    "deal_sheet",
    "default_concepts",
    "fairness",
    "frontier",
    "make_whole",
    "parse_concepts",
    "plan",
    "reduced_compare",
    "report",
    "solve_bargaining",
]
