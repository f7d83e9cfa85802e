"""Mesa agents: one class per partner role with its incentives and behaviour, patient cohorts, the coordinator."""

from winwin.agents.cohorts import PatientCohort
from winwin.agents.coordinator import CoordinatorAgent, Negotiated
from winwin.agents.partners import (
    AGENT_CLASSES,
    DistributorAgent,
    ManufacturerAgent,
    PartnerAgent,
    PayerAgent,
    SiteAgent,
    VolunteerAgent,
)

__all__ = [
    "AGENT_CLASSES",
    "CoordinatorAgent",
    "DistributorAgent",
    "ManufacturerAgent",
    "Negotiated",
    "PartnerAgent",
    "PatientCohort",
    "PayerAgent",
    "SiteAgent",
    "VolunteerAgent",
]
