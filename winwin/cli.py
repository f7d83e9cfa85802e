"""The ``winwin`` command line (typer + rich). Exit codes: 0 ok, 1 infeasible / no win-win, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from data import Scenario, bundled_names, json_schema, load
from winwin.console import out, print_json, user_errors

app = typer.Typer(
    name="winwin",
    help="Win-win allocation among the partners of a healthcare ecosystem (COVID-19 vaccination).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ScenarioArg = Annotated[
    str, typer.Argument(help="A scenario file (YAML or JSON) or a bundled name (see `winwin list`).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def _summary(scenario: Scenario) -> dict[str, object]:
    return {"valid": True, "name": scenario.name, "source": scenario.source, "counts": scenario.counts()}


def _summary_table(scenario: Scenario) -> Table:
    table = Table(title=f"{scenario.name} — valid", title_justify="left")
    table.add_column("entity")
    table.add_column("count", justify="right")
    for key, value in scenario.counts().items():
        table.add_row(key, f"{value:,}")
    roles = scenario.partners_frame()["role"].value_counts()
    for role, n in roles.items():
        table.add_row(f"  {role}", f"{n:,}")
    table.add_row("population", f"{int(scenario.population.sum()):,}")
    table.add_row("willing population", f"{int(scenario.willing.sum()):,}")
    table.add_row("promised doses", f"{int(scenario.supply.sum()):,}")
    return table


@app.command("list")
def list_cmd(as_json: JsonOpt = False) -> None:
    """List the bundled scenarios."""
    rows = []
    for name in bundled_names():
        s = load(name)
        rows.append({"name": name, "description": " ".join(s.spec.description.split()), **s.counts()})
    if as_json:
        print_json({"scenarios": rows})
        return
    table = Table(title="bundled scenarios", title_justify="left")
    for col in ("name", "partners", "sites", "products", "groups", "regions", "periods"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("name", "partners", "sites", "products", "groups", "regions", "periods")))
    out.print(table)


@app.command()
def validate(scenario: ScenarioArg, as_json: JsonOpt = False) -> None:
    """Check a scenario: exit 0 with a summary, or exit 2 listing every problem as `path: message (got value)`."""
    with user_errors(as_json):
        s = load(scenario)
    if as_json:
        print_json(_summary(s))
    else:
        out.print(_summary_table(s))


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the schema to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    text = json.dumps(json_schema(), indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"wrote {output}")


@app.command()
def demo() -> None:
    """Run the bundled belgium-2021 scenario end to end (for now: validate and summarise it)."""
    with user_errors():
        s = load("belgium-2021")
    out.print(_summary_table(s))
    out.print(
        s.groups_frame()[
            ["name", "rank", "risk_weight", "acceptance", "eligible_from", "population", "willing"]
        ].to_string(float_format=lambda v: f"{v:,.2f}")
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
