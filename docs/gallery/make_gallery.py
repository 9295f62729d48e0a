"""Write the gallery page from a campaign report: ``docs/gallery.md`` and its PNG files.

The gallery shows the figures the demo makes. Run the demo, then::

    python docs/gallery/make_gallery.py cloudorg-demo/report.html

Every figure of the report (a base64 PNG with its caption, under its section's title)
becomes ``docs/gallery/<nn>-<section>.png``; ``docs/gallery.md`` lists them by section.
"""

from __future__ import annotations

import base64
import html
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTION = re.compile(r'<section id="([^"]+)"><h2>(.*?)</h2>(.*?)</section>', re.S)
FIGURE = re.compile(
    r'<figure><img src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*>'
    r"<figcaption>(.*?)</figcaption></figure>",
    re.S,
)
INTRO = """# Gallery

The figures of the demo's report (`cloudorg demo`: eight synthetic GOES-16 ABI scenes of the
four patterns, 64-px tiles, a small Tile2Vec model), section by section. Every figure is
made by a function of `cloudorg.plots` or `cloudorg.models` from what the pipeline wrote
into the campaign store; the report embeds them in one HTML file. This page is made by
`docs/gallery/make_gallery.py` from the demo's `report.html`.
"""


def main(report: str) -> int:
    text = Path(report).read_text()
    for old in HERE.glob("*.png"):
        old.unlink()
    lines = [INTRO]
    number = 0
    for anchor, title, body in SECTION.findall(text):
        figures = FIGURE.findall(body)
        if not figures:
            continue
        lines.append(f"## {html.unescape(title)}\n")
        for data, caption in figures:
            number += 1
            name = f"{number:02d}-{anchor}.png"
            (HERE / name).write_bytes(base64.b64decode(data))
            caption = html.unescape(caption)
            lines.append(f"![{caption}](gallery/{name})\n\n*{caption}*\n")
    (HERE.parent / "gallery.md").write_text("\n".join(lines))
    print(f"{number} figures in {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
