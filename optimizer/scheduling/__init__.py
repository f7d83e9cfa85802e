"""Priority-group scheduling (DESIGN §7, OR-Tools CP-SAT): one site's week of appointments, shifts and
vials, and a whole campaign week of sites in parallel."""

from winwin.optimizer.scheduling.campaign import (
    CampaignSchedule,
    read_table,
    schedule_campaign,
    site_week,
    site_week_from_table,
)
from winwin.optimizer.scheduling.site_week import Need, Person, Schedule, SiteWeek, Vial, solve_site_week

__all__ = [
    "CampaignSchedule",
    "Need",
    "Person",
    "Schedule",
    "SiteWeek",
    "Vial",
    "read_table",
    "schedule_campaign",
    "site_week",
    "site_week_from_table",
    "solve_site_week",
]
