"""The page: sections of figures, tables and text rendered to one self-contained HTML file.

Plotly's JavaScript is embedded once (no CDN, no network request); each figure is a ``<div>`` with its JSON,
which Plotly writes with ``</`` escaped. Every name that comes from a scenario file passes through
:func:`esc` — in HTML tables and text, and in Plotly labels, where Plotly turns the entities back into the
literal characters — so a partner called ``<script>…</script>`` is shown as text and never run.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from winwin.console import number

SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
"""Fonts already on the reader's machine (nothing fetched)."""

MODE_COLOURS = {
    "silo": "#7f7f7f",
    "joint": "#0072B2",
    "central": "#0072B2",
    "winwin": "#009E73",
    "nash": "#E69F00",
    "egalitarian": "#CC79A7",
    "kalai_smorodinsky": "#56B4E9",
    "utilitarian": "#D55E00",
}
"""Okabe–Ito colours (readable with colour-vision deficiencies), one per concept or governance mode."""
ROLE_COLOURS = {
    "manufacturer": "#0072B2",
    "distributor": "#E69F00",
    "site": "#009E73",
    "payer": "#CC79A7",
    "volunteer_org": "#D55E00",
    "region": "#999999",
}
EXTRA = ["#000000", "#F0E442", "#882255", "#44AA99", "#117733", "#AA4499"]


def esc(text: object) -> str:
    """A name as HTML text (for the page and for Plotly labels)."""
    return html.escape(str(text), quote=True)


def colour(name: str, palette: dict[str, str], i: int = 0) -> str:
    return palette.get(name, EXTRA[i % len(EXTRA)])


def styled(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """The common look: white, readable fonts, a legend that does not cover the data."""
    fig.update_layout(
        title={"text": esc(title), "x": 0.0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        font={"family": SANS, "size": 13},
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
    )
    return fig


@dataclass
class Figure:
    fig: go.Figure
    caption: str = ""


@dataclass
class Table:
    frame: pd.DataFrame
    caption: str = ""
    formats: dict[str, str] = field(default_factory=dict)
    """Column → format spec (``",.0f"``, ``".2f"``, ``".0%"``)."""


@dataclass
class Text:
    text: str


Block = Figure | Table | Text


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block]
    missing: str = ""
    """Why the section is empty and the command that fills it (the section is then shown as missing)."""


CSS = (
    "body { font-family: "
    + SANS
    + ";"
    + """ margin: 0; color: #1d1d1f; background: #fafafa; }
header { background: #0b3d5c; color: white; padding: 24px 40px; }
header h1 { margin: 0 0 6px 0; font-size: 26px; }
header p { margin: 2px 0; opacity: .9; }
nav { padding: 10px 40px; background: #e8eef2; }
nav a { margin-right: 18px; color: #0b3d5c; text-decoration: none; font-weight: 600; }
main { padding: 10px 40px 40px 40px; max-width: 1280px; }
.summary { background: white; border-left: 6px solid #009E73; padding: 14px 20px; margin: 20px 0;
  font-size: 17px; line-height: 1.5; }
.summary.no { border-left-color: #D55E00; }
.notes { color: #555; font-size: 13px; }
section { background: white; margin: 24px 0; padding: 8px 24px 20px 24px; border-radius: 6px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section.missing { opacity: .75; }
h2 { color: #0b3d5c; border-bottom: 1px solid #ddd; padding-bottom: 6px; }
figure { margin: 12px 0 22px 0; }
figcaption { color: #555; font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; }
th.text, td.text { text-align: left; }
th { background: #f0f3f5; }
"""
)


def table_html(t: Table) -> str:
    """A table as escaped HTML (the report's and the explore page's)."""
    numeric = {c: pd.api.types.is_numeric_dtype(t.frame[c]) and c in t.formats for c in t.frame.columns}
    numeric |= {c: True for c in t.frame.columns if t.frame[c].map(lambda v: isinstance(v, (int, float))).any()}
    align = {c: "" if numeric[c] and i > 0 else ' class="text"' for i, c in enumerate(t.frame.columns)}
    head = "".join(f"<th{align[c]}>{esc(c)}</th>" for c in t.frame.columns)
    rows = []
    for _, row in t.frame.iterrows():
        cells = []
        for c in t.frame.columns:
            v = row[c]
            spec = t.formats.get(str(c))
            if v is None or (isinstance(v, float) and np.isnan(v)):
                text = "—"  # no value (e.g. a mode whose runs all failed)
            elif spec and isinstance(v, (int, float)):
                text = number(v, spec)
            else:
                text = str(v)
            cells.append(f"<td{align[c]}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<figcaption>{esc(t.caption)}</figcaption>" if t.caption else ""
    return f"<figure><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{caption}</figure>"


def _block_html(b: Block) -> str:
    if isinstance(b, Figure):
        div = b.fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
        caption = f"<figcaption>{esc(b.caption)}</figcaption>" if b.caption else ""
        return f"<figure>{div}{caption}</figure>"
    if isinstance(b, Table):
        return table_html(b)
    return f"<p>{esc(b.text)}</p>"


def render(title: str, subtitle: str, summary: list[str], win: bool, notes: list[str], sections: list[Section]) -> str:
    """The whole page as one string."""
    nav = "".join(f'<a href="#{s.id}">{esc(s.title)}</a>' for s in sections)
    body = []
    for s in sections:
        if s.missing:
            body.append(
                f'<section id="{s.id}" class="missing"><h2>{esc(s.title)}</h2><p>{esc(s.missing)}</p></section>'
            )
        else:
            blocks = "".join(_block_html(b) for b in s.blocks)
            body.append(f'<section id="{s.id}"><h2>{esc(s.title)}</h2>{blocks}</section>')
    summary_html = "".join(f"<p>{esc(line)}</p>" for line in summary)
    notes_html = "".join(f"<p>{esc(n)}</p>" for n in notes)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p><p>made by winwin, {made}</p></header>
<nav>{nav}</nav>
<main>
<div class="summary{"" if win else " no"}" id="summary">{summary_html}</div>
<div class="notes">{notes_html}</div>
{"".join(body)}
</main></body></html>
"""
