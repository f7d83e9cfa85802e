"""Write data/scenarios/belgium-2021.yaml: the calibrated Belgian 2021 campaign scenario.

Run ``python tools/make_belgium_2021.py`` to regenerate. Every number below cites a source id from
SOURCES or is marked ``assumption``; the same tags are written as comments into the YAML. Sites are
numerous, so they are generated here from per-province totals rather than typed by hand; the
variation between sites of a province is deterministic (a fixed pattern, no randomness).
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "scenarios" / "belgium-2021.yaml"
RECORD = ROOT / "data" / "records" / "belgium-2021" / "deliveries_by_date.csv"

SOURCES = [
    ("statbel-2021", "Statbel, Population by place of residence, 1 January 2021 (provinces, rounded to the thousand)"),
    ("statbel-age-2021", "Statbel, Population by age, 1 January 2021: 19.3 % aged 65+, 79.6 % aged 18+"),
    (
        "taskforce-strategy",
        "Belgian Task Force Vaccination, COVID-19 vaccination strategy, December 2020 (phases 1a, 1b, 2)",
    ),
    ("css-hgr-2021", "Superior Health Council (CSS/HGR) advice 9618 on priority groups, January–February 2021"),
    ("sciensano-dashboard", "Sciensano COVID-19 vaccination dashboard and weekly epidemiological bulletins, 2021"),
    (
        "ema-comirnaty",
        "EMA, Comirnaty summary of product characteristics, January 2021 (6 doses/vial, 21 days, 5 days at 2–8 °C)",
    ),
    (
        "ema-spikevax",
        "EMA, COVID-19 Vaccine Moderna summary of product characteristics, January 2021 (10 doses/vial, 28 days, 30 days at 2–8 °C)",
    ),
    (
        "ema-vaxzevria",
        "EMA, COVID-19 Vaccine AstraZeneca summary of product characteristics, January 2021 (10 doses/vial, 4–12 weeks, 6 months at 2–8 °C)",
    ),
    (
        "ema-jcovden",
        "EMA, COVID-19 Vaccine Janssen summary of product characteristics, March 2021 (1 dose, 5 doses/vial, 3 months at 2–8 °C)",
    ),
    (
        "budget-price-list",
        "Prices per dose published by the Belgian Secretary of State for Budget, 17 December 2020 (AZ €1.78, J&J $8.50, Pfizer €12, Moderna $18)",
    ),
    (
        "ec-az-q1",
        "European Commission statements, January–March 2021: AstraZeneca delivered about 30 M of 120 M contracted doses in Q1 2021",
    ),
    (
        "ec-az-q2",
        "European Commission, action against AstraZeneca, April 2021: about 70 M of 180 M doses expected in Q2 2021",
    ),
    (
        "pfizer-puurs",
        "Pfizer announcement, 15 January 2021: temporary reduction of EU deliveries while the Puurs plant is upgraded",
    ),
    (
        "deliveries-record",
        "Doses delivered to Belgium by date and manufacturer: covid-vaccinatie.be delivery API (dashboard by Joris "
        "Vaesen, CC BY 4.0), archived in trldp/vaccine-prediction Data/delivered.csv @ c7519e2; "
        "data/records/belgium-2021/deliveries_by_date.csv",
    ),
    (
        "ema-az-april",
        "EMA safety committee, 7 April 2021: very rare thrombosis with thrombocytopenia after Vaxzevria; public controversy followed",
    ),
    ("sciensano-variants", "Sciensano genomic surveillance, March 2021: variant B.1.1.7 (Alpha) dominant in Belgium"),
    (
        "vrt-2021-01-10",
        "VRT NWS, 10 January 2021, 'All Flemings could be vaccinated by the start of summer': Flanders works "
        "towards a vaccination capacity of 140,000 persons a day in its local vaccination centres (minister Somers)",
    ),
    (
        "brusselstimes-2021-02-16",
        "The Brussels Times, 16 February 2021, 'Belgium's largest vaccination centre opens in Brussels': the Heysel "
        "centre can normally vaccinate 5,000 people a day",
    ),
    (
        "great-corona-study-2021-01",
        "University of Antwerp, Great Corona Study, wave of early January 2021 (The Brussels Times, 12 January "
        "2021): 80 % of the general public prepared to be vaccinated, 80 % of health workers, 82 % of people with "
        "risk factors, 90 % of people over 65",
    ),
    (
        "sciensano-hes-2020-12",
        "Sciensano, fifth COVID-19 health survey, December 2020 (VRT NWS, 23 December 2020): 60 % want to be "
        "vaccinated, 25 % hesitate, 15 % refuse",
    ),
    (
        "imc-2021-05-12",
        "Interministerial Conference on Public Health, 12 May 2021 (VRT NWS and The Brussels Times, 12 May 2021): "
        "the Vaxzevria interval becomes 8 weeks (12 before) for the people invited from 13 May; Vaxzevria for "
        "people aged 41 and over since the end of April",
    ),
    (
        "imc-2021-03-10",
        "Interministerial Conference on Public Health, 10 March 2021 (The Brussels Times and VRT NWS, 10 March "
        "2021): the Comirnaty interval becomes 35 days for the courses starting from the week of 15 March (21 "
        "days before, when a second dose was held back for every first); people with comorbidities vaccinated "
        "from 2 April",
    ),
    (
        "polack-2020",
        "Polack et al., Safety and efficacy of the BNT162b2 mRNA Covid-19 vaccine, NEJM 383:2603-2615 (2020): "
        "efficacy 52 % between the first and the second dose, 95 % from 7 days after the second",
    ),
    (
        "grinold-1983",
        "Grinold, Model building techniques for the correction of end effects in multistage convex programs, "
        "Operations Research 31(3), 1983",
    ),
    (
        "assumption",
        "Assumption of the winwin authors, stated beside the number; to be replaced by calibrated data where available",
    ),
]

# Provinces (regions): population on 1 January 2021 [statbel-2021], and number of vaccination centres
# by population (Belgium opened about 100 centres [sciensano-dashboard]; split pro rata: assumption).
PROVINCES = [
    # id, name, population, centres, community (distributor)
    ("antwerp", "Antwerpen", 1_870_000, 16, "flanders"),
    ("east_flanders", "Oost-Vlaanderen", 1_525_000, 13, "flanders"),
    ("west_flanders", "West-Vlaanderen", 1_201_000, 10, "flanders"),
    ("flemish_brabant", "Vlaams-Brabant", 1_155_000, 10, "flanders"),
    ("limburg", "Limburg", 877_000, 8, "flanders"),
    ("hainaut", "Hainaut", 1_345_000, 12, "wallonia"),
    ("liege", "Liège", 1_108_000, 10, "wallonia"),
    ("walloon_brabant", "Brabant wallon", 406_000, 4, "wallonia"),
    ("namur", "Namur", 496_000, 4, "wallonia"),
    ("luxembourg", "Luxembourg", 287_000, 3, "wallonia"),
    ("brussels", "Bruxelles-Capitale / Brussel-Hoofdstad", 1_219_000, 10, "brussels"),
]

# Priority groups in the Belgian phase order [taskforce-strategy]. Share of the whole population:
# care homes ~2.0 % (residents and staff, assumption), health-care workers ~4.0 % (assumption),
# 65+ outside care homes 18.0 % (19.3 % aged 65+ [statbel-age-2021] minus care-home residents, assumption),
# at-risk adults 18–64 13.0 % (~1.5 M [css-hgr-2021]), other adults: the rest of the 79.6 % aged 18+
# [statbel-age-2021]. Children were not eligible in the first half of 2021 [taskforce-strategy].
# Acceptance: the share willing in the Great Corona Study of early January 2021 [great-corona-study-2021-01]
# (the care homes take the 65+ figure: assumption); Sciensano's December survey [sciensano-hes-2020-12] had
# 60 % certain and 25 % hesitating, a lower bound. Eligibility: the week invitations opened (rounded).
GROUPS = [
    # id, name, rank, share, risk weight, acceptance, eligible_from (week), products (None = all), sources
    ("care_homes", "Care-home residents and staff (phase 1a)", 1, 0.020, 60.0, 0.90, 0, ["comirnaty", "spikevax"],
     "acceptance as 65+ (assumption); from 5 January [sciensano-dashboard]"),
    ("health_workers", "Health-care workers (phase 1a)", 2, 0.040, 3.0, 0.80, 2, None,
     "acceptance [great-corona-study-2021-01]; from mid-January (assumption on the week)"),
    ("age_65_plus", "Aged 65 and over (phase 1b)", 3, 0.180, 20.0, 0.90, 8, ["comirnaty", "spikevax", "jcovden"],
     "acceptance [great-corona-study-2021-01]; from March (assumption on the week)"),
    ("at_risk_18_64", "Adults 18-64 with comorbidities (phase 1b)", 4, 0.130, 4.0, 0.82, 12, None,
     "acceptance [great-corona-study-2021-01]; from 2 April [imc-2021-03-10]"),
    ("other_adults", "Other adults 18-64 (phase 2)", 5, 0.426, 1.0, 0.80, 17, None,
     "acceptance [great-corona-study-2021-01]; from May (assumption on the week)"),
]  # fmt: skip

WEEKS = 26  # 4 January – 4 July 2021

FLANDERS_CAPACITY = 140_000 * 7  # doses a week in Flanders' centres [vrt-2021-01-10]
FLANDERS = ("antwerp", "east_flanders", "west_flanders", "flemish_brabant", "limburg")
DISTRIBUTION_LEAD = 0
"""Weeks from the federal hub and the regional operators to the sites. Doses reached the centres a few days
after their arrival in Belgium [deliveries-record]: with deliveries spread over the week, the same week more
often than not (assumption; one week before issue 21)."""


def weekly(*segments: tuple[int, int, int]) -> list[int]:
    """A weekly profile from (first week, last week, doses) segments; zero elsewhere."""
    out = [0] * WEEKS
    for first, last, doses in segments:
        for t in range(first, last + 1):
            out[t] = doses
    return out


COMIRNATY_CHANGE = 10  # week of 15 March 2021 [imc-2021-03-10]
COMIRNATY_INTERVAL = weekly((0, COMIRNATY_CHANGE - 1, 3), (COMIRNATY_CHANGE, WEEKS - 1, 5))
"""21 days for the courses started before 15 March 2021, 35 days from then on [imc-2021-03-10]."""
VAXZEVRIA_CHANGE = 19  # week of 17 May 2021: the first invitations of 13 May (assumption on the week)
VAXZEVRIA_INTERVAL = weekly((0, VAXZEVRIA_CHANGE - 1, 12), (VAXZEVRIA_CHANGE, WEEKS - 1, 8))
"""12 weeks, 8 for the people invited from 13 May 2021 [imc-2021-05-12]."""


START = date(2021, 1, 4)  # Monday 4 January 2021, week 0
RECORD_NAMES = {
    "Pfizer/BioNTech": "pfizer",
    "Moderna": "moderna",
    "AstraZeneca/Oxford": "astrazeneca",
    "Johnson&Johnson": "janssen",
}


def recorded_weeks() -> dict[str, list[int]]:
    """Doses delivered to Belgium per manufacturer and week [deliveries-record]: a delivery dated d falls in
    week ⌊(d − 4 Jan 2021) / 7⌋; the 9,750 doses of 26 December 2020 were in hand at the start (week 0);
    deliveries after the 26th week (from 5 July) are outside the horizon."""
    out = {mid: [0] * WEEKS for mid in RECORD_NAMES.values()}
    with RECORD.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            week = max(0, (date.fromisoformat(row["date"]) - START).days // 7)
            if week < WEEKS:
                out[RECORD_NAMES[row["manufacturer"]]][week] += int(row["amount"])
    assert START + timedelta(weeks=WEEKS) == date(2021, 7, 5)
    return out


# The supply of each manufacturer is what it delivered, week by week [deliveries-record]: the shortfalls of
# 2021 (AstraZeneca's Q1 and Q2, the Puurs upgrade) are in the record, so no supply-cut event repeats them
# (issue 19: they were counted twice). Uncertainty around the record is each manufacturer's reliability.
_WEEKS = recorded_weeks()
SUPPLY = {
    "pfizer": ("comirnaty", _WEEKS["pfizer"]),
    "moderna": ("spikevax", _WEEKS["moderna"]),
    "astrazeneca": ("vaxzevria", _WEEKS["astrazeneca"]),
    "janssen": ("jcovden", _WEEKS["janssen"]),
}


def fmt_list(values: list[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def spread(i: int, n: int) -> float:
    """A fixed spread of site sizes around 1 (0.8 … 1.2) so that sites of a province differ."""
    return 1.0 if n == 1 else 0.8 + 0.4 * i / (n - 1)


def main(out: Path = OUT) -> None:
    L: list[str] = []
    w = L.append
    w("# belgium-2021 — the Belgian COVID-19 vaccination campaign, January–July 2021 (26 weeks).")
    w("# Generated by tools/make_belgium_2021.py; edit that script, not this file.")
    w("# Every number cites a source id from `sources` in a comment beside it, or says `assumption`.")
    w("name: belgium-2021")
    w("description: >")
    w("  The Belgian campaign of the first half of 2021: four products delivered as the record says (by")
    w("  manufacturer and week, AstraZeneca's shortfalls included), five priority groups in the Belgian phase")
    w("  order, eleven provinces, ~100 vaccination centres, hospital hubs and pharmacy networks, a federal")
    w("  hub and three regional distributors, the federal payer and two volunteer organisations.")
    w("sources:")
    for sid, title in SOURCES:
        w(f"  - {{id: {sid}, title: {json.dumps(title, ensure_ascii=False)}}}")
    w("")
    w(
        "horizon: {periods: 26, period_length: week, start: 2021-01-04}   # campaign start 5 Jan 2021 [sciensano-dashboard]"
    )
    w("")
    w("products:")
    w(
        f"  - {{id: comirnaty, name: Comirnaty (Pfizer-BioNTech), doses_per_course: 2, interval: {fmt_list(COMIRNATY_INTERVAL)}, shelf_life: 1, doses_per_vial: 6, storage: ultra}}   # [ema-comirnaty]; shelf_life 5 days -> 1 week; interval 3 weeks, 5 from 15 March [imc-2021-03-10]"
    )
    w(
        "  - {id: spikevax, name: Spikevax (Moderna), doses_per_course: 2, interval: 4, shelf_life: 4, doses_per_vial: 10, storage: frozen}   # [ema-spikevax]"
    )
    w(
        f"  - {{id: vaxzevria, name: Vaxzevria (AstraZeneca), doses_per_course: 2, interval: {fmt_list(VAXZEVRIA_INTERVAL)}, shelf_life: 26, doses_per_vial: 10, storage: fridge}}   # [ema-vaxzevria]; Belgium used 12 weeks [taskforce-strategy], 8 from mid-May [imc-2021-05-12]"
    )
    w(
        "  - {id: jcovden, name: Jcovden (Janssen), doses_per_course: 1, shelf_life: 13, doses_per_vial: 5, storage: fridge}   # [ema-jcovden]"
    )
    w("")
    w("# Phase order [taskforce-strategy]; shares of population [statbel-age-2021] and assumption (see the")
    w("# generator); risk weights are relative COVID-19 mortality (assumption from [sciensano-dashboard]);")
    w("# acceptance and eligible_from: sources beside each group; Vaxzevria not for 65+ or care homes [css-hgr-2021].")
    w("groups:")
    for gid, name, rank, _share, risk, acc, elig, prods, cite in GROUPS:
        plist = "" if prods is None else f", products: [{', '.join(prods)}]"
        w(
            f'  - {{id: {gid}, name: "{name}", rank: {rank}, risk_weight: {risk}, acceptance: {acc}, eligible_from: {elig}{plist}}}   # {cite}'
        )
    w("")
    w("# Population per province [statbel-2021] split over groups by the national shares above (assumption).")
    w("regions:")
    for rid, name, pop, _n, _comm in PROVINCES:
        parts = ", ".join(f"{gid}: {round(pop * share)}" for gid, _nm, _r, share, *_ in GROUPS)
        w(f'  - {{id: {rid}, name: "{name}", population: {{{parts}}}}}')
    w("")
    w("partners:")
    w("  # Manufacturers: deliveries to Belgium by week as recorded [deliveries-record]; prices [budget-price-list]")
    w("  # (dollar prices at 1.21 $/€); unit costs and reliabilities are assumptions.")
    makers = {
        "pfizer": ("Pfizer-BioNTech", 12.0, 5.0),
        "moderna": ("Moderna", 14.9, 6.0),
        "astrazeneca": ("AstraZeneca", 1.78, 1.78),
        "janssen": ("Janssen (Johnson & Johnson)", 7.0, 7.0),
    }
    for mid, (product, profile) in SUPPLY.items():
        name, price, cost = makers[mid]
        w(f"  - id: {mid}")
        w("    role: manufacturer")
        w(f"    name: {name}")
        w(f"    products: [{product}]")
        w(f"    supply: {{{product}: {fmt_list(profile)}}}   # [deliveries-record], by week")
        w(f"    price: {{{product}: {price}}}   # [budget-price-list]")
        w(f"    unit_cost: {cost}   # assumption")
        w(
            "    reliability: {mean: 1.0, sd: 0.15, persistence: 0.5}   # assumption: the record on average; weekly "
            "timing noise that lasts about two weeks"
        )
        w(f"    bargaining_power: {3.0 if mid in ('pfizer', 'moderna') else 2.0}   # assumption")
    w("  # Distribution: a federal hub and three regional logistics operators (roles as in 2021; names,")
    w("  # throughputs and fees are assumptions).")
    w(
        "  - {id: federal_hub, role: distributor, name: Federal vaccine hub, throughput: 1500000, fee: 0.3, unit_cost: 0.2, shares_data: true}   # assumption"
    )
    comm_pop = {c: sum(p for _i, _n, p, _c, cc in PROVINCES if cc == c) for c in ("flanders", "wallonia", "brussels")}
    for comm, cpop in comm_pop.items():
        tp = round(cpop * 0.1, -3)
        w(
            f"  - {{id: logistics_{comm}, role: distributor, name: Logistics {comm.title()}, throughput: {int(tp)}, fee: 0.5, unit_cost: 0.3, disruption_rate: 0.02}}   # assumption: 10 % of population a week"
        )
    flemish = sum(pop for rid, _n, pop, *_ in PROVINCES if rid in FLANDERS)
    w("  # Vaccination centres: about 100 in Belgium [sciensano-dashboard]; capacity: Flanders' 140,000 a day")
    w(f"  # [vrt-2021-01-10], {FLANDERS_CAPACITY / flemish:.4f} doses a week per inhabitant, the same per inhabitant")
    w("  # in Wallonia and Brussels (assumption; Brussels' Heysel centre alone could give 5,000 a day")
    w("  # [brusselstimes-2021-02-16]), open from week 0 (they stand for the mobile teams of the care homes in")
    w("  # January: assumption); 6 staff minutes a dose, staff covering 70 % of the hours (volunteers the rest),")
    w("  # fee €10 and cost €7 a dose, €15 000 fixed a week (all assumptions).")
    for rid, name, pop, n, _comm in PROVINCES:
        total = pop * FLANDERS_CAPACITY / flemish
        for i in range(n):
            cap = int(round(total / n * spread(i, n), -2))
            staff = cap * 7 // 100  # 6 min × 70 % = 0.07 h a dose, exact (cap is in hundreds): centres of a
            # province stay exactly proportional, so the planning model merges them without error
            w(
                f'  - {{id: vc_{rid}_{i + 1:02d}, role: site, kind: vaccination_centre, name: "Vaccination centre {name} {i + 1}", region: {rid}, capacity: {cap}, staff_hours: {staff}, minutes_per_dose: 6, fee: 10, unit_cost: 7, fixed_cost: 15000}}'
            )
    w("  # Hospital hubs: one per province with ultra-cold storage, vaccinating staff and patients (assumption:")
    w("  # 4 000 doses a week, fee €8, cost €6).")
    for rid, name, *_ in PROVINCES:
        w(
            f'  - {{id: hospital_{rid}, role: site, kind: hospital, name: "Hospital hub {name}", region: {rid}, capacity: 4000, fee: 8, unit_cost: 6, cold_chain: [ultra, frozen, fridge]}}'
        )
    w("  # Pharmacy networks: fridge products only, joining from week 18 (assumption; Belgian pharmacists")
    w("  # vaccinated later in 2021).")
    pharmacy_capacity = weekly((18, 25, 20_000))
    for comm in ("flanders", "wallonia", "brussels"):
        rid = {"flanders": "antwerp", "wallonia": "hainaut", "brussels": "brussels"}[comm]
        w(
            f'  - {{id: pharmacies_{comm}, role: site, kind: pharmacy, name: "Pharmacy network {comm.title()}", region: {rid}, capacity: {fmt_list(pharmacy_capacity)}, cold_chain: [fridge], fee: 12, unit_cost: 9}}'
        )
    w("  # The payer: federal government and the health-insurance institute (budget: assumption).")
    w(
        "  - {id: federal_government, role: payer, name: Federal government (FPS Public Health / RIZIV-INAMI), budget: 600000000, bargaining_power: 4.0, shares_data: true}"
    )
    w("  # Volunteer organisations staffing the centres (hours: assumption).")
    w(
        "  - {id: rode_kruis, role: volunteer_org, name: Rode Kruis Vlaanderen, hours: 30000, regions: [antwerp, east_flanders, west_flanders, flemish_brabant, limburg, brussels], value_per_hour: 5, cost_per_hour: 2}"
    )
    w(
        "  - {id: croix_rouge, role: volunteer_org, name: Croix-Rouge de Belgique, hours: 20000, regions: [hainaut, liege, walloon_brabant, namur, luxembourg, brussels], value_per_hour: 5, cost_per_hour: 2}"
    )
    w("")
    w("# Lanes: manufacturers deliver to the federal hub (contract share 1); the hub supplies the regional")
    w("# operators and the hospital hubs; operators deliver to centres and pharmacies, within the week: doses")
    w("# reached the centres a few days after arriving in Belgium [deliveries-record] (lead times: assumption).")
    w("lanes:")
    for mid in SUPPLY:
        w(f"  - {{from: {mid}, to: federal_hub, lead_time: 0, silo_share: 1.0}}")
    for comm in comm_pop:
        w(f"  - {{from: federal_hub, to: logistics_{comm}, lead_time: 0, cost: 0.05}}")
    for rid, *_ in PROVINCES:
        w(f"  - {{from: federal_hub, to: hospital_{rid}, lead_time: {DISTRIBUTION_LEAD}, cost: 0.2}}")
    for rid, _name, _pop, n, comm in PROVINCES:
        for i in range(n):
            w(f"  - {{from: logistics_{comm}, to: vc_{rid}_{i + 1:02d}, lead_time: {DISTRIBUTION_LEAD}, cost: 0.15}}")
    for comm in comm_pop:
        w(f"  - {{from: logistics_{comm}, to: pharmacies_{comm}, lead_time: {DISTRIBUTION_LEAD}, cost: 0.25}}")
    w("")
    w("# Service: each site serves its province; pharmacy networks serve their whole community. Travel minutes")
    w("# are assumptions (centres 15, hospital hubs 25, pharmacies 8).")
    w("service:")
    for rid, _name, _pop, n, _comm in PROVINCES:
        for i in range(n):
            w(f"  - {{site: vc_{rid}_{i + 1:02d}, region: {rid}, travel_minutes: 15}}")
        w(f"  - {{site: hospital_{rid}, region: {rid}, travel_minutes: 25}}")
    for rid, _name, _pop, _n, comm in PROVINCES:
        w(f"  - {{site: pharmacies_{comm}, region: {rid}, travel_minutes: 8}}")
    w("")
    w("events:")
    w("  # AstraZeneca's shortfalls [ec-az-q1] [ec-az-q2] and the Puurs upgrade [pfizer-puurs] are in the supply,")
    w("  # which is the delivery record [deliveries-record]; they are not cut a second time here.")
    w(
        '  - {kind: variant_surge, start: 8, factor: 1.3, note: "Alpha variant dominant [sciensano-variants]; factor an assumption"}'
    )
    w(
        '  - {kind: confidence_shock, product: vaxzevria, start: 14, factor: 0.7, note: "after the thrombosis review [ema-az-april]; factor an assumption"}'
    )
    w("")
    w("money:")
    w("  currency: EUR")
    w("  value_per_px_point: 20000000   # assumption: a point of patient experience is worth €20 M to the payer")
    w("  transfers: any")
    w("  subsidy_cap: 0")
    w(
        "  cancellation_cost: 3.5   # assumption: 3 staff minutes to cancel and rebook, at the centres' €7 per 6-minute dose"
    )
    w("")
    w("population_total: 11521238   # [statbel-age-2021]: 1 January 2021, children included (the coverage basis)")
    w("")
    w("experience:")
    w("  travel_weight: 0.0001   # assumption: 10 000 person-minutes of travel weigh as one person-week of waiting")
    w("  one_dose_share: 0.55   # [polack-2020]: 52 % / 95 %, a first dose alone is about half a course")
    w(
        "  terminal_periods: 26   # [grinold-1983] stationary tail; 26 weeks, protection valued to the end of 2021: "
        "assumption"
    )
    out.write_text("\n".join(L) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
