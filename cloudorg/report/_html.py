"""HTML pieces of the report: the page, sections, tables and embedded figures.

Everything is inline: the style sheet sits in the page head and each figure is a PNG in
a ``data:`` URL, so the page is one file that needs nothing else to display.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.figure import Figure

FIGURE_DPI = 80
"""Resolution of the embedded figures (dots per inch)."""

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #4a6fa5; padding-bottom: .2em; }
h2 { color: #4a6fa5; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #eef2f8; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
.equation { font-family: Georgia, serif; font-size: 1.05em; margin-left: 2em; }
.note { background: #fff6e0; border-left: 4px solid #e0a800; padding: .4em .8em; }
nav a { margin-right: 1em; }
"""


def escape(value: Any) -> str:
    """Text as HTML (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(str(value))


def paragraph(text: str) -> str:
    """A paragraph of plain text."""
    return f"<p>{escape(text)}</p>"


def markup(html_text: str) -> str:
    """A paragraph of the report's own HTML (entities, sub- and superscripts), not escaped."""
    return f"<p>{html_text}</p>"


def equation(html_text: str) -> str:
    """A displayed equation of the report's own HTML."""
    return f'<p class="equation">{html_text}</p>'


def note(text: str) -> str:
    """A highlighted remark (what is absent and how to add it)."""
    return f'<p class="note">{escape(text)}</p>'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.4g}"  # NaN
    return escape(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A table; floats get four significant digits, NaN a dash."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_png(fig: Figure) -> bytes:
    """A figure as PNG bytes at :data:`FIGURE_DPI`."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def figure(fig: Figure, caption: str) -> str:
    """A figure embedded as a base64 PNG, with its caption (also the image's alt text)."""
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def section(anchor: str, title: str, body: Sequence[str]) -> str:
    """A titled section with an anchor for the page's table of contents."""
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{"".join(body)}</section>'


def page(title: str, sections: Sequence[tuple[str, str, str]], intro: Sequence[str]) -> str:
    """The whole page: ``sections`` are ``(anchor, title, html)``, linked from the top."""
    links = "".join(f'<a href="#{escape(a)}">{escape(t)}</a>' for a, t, _ in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{''.join(intro)}<nav>{links}</nav>"
        f"{''.join(body for _, _, body in sections)}</body></html>\n"
    )
