"""MkDocs hook: the CLI reference page is the ``--help`` of every ``cloudorg`` command.

``docs/cli.md`` holds the marker ``<!-- cli-reference -->``; the docs build replaces it
with one section per command, taken from the argument parser itself, so the reference
cannot drift from the code.
"""

from __future__ import annotations

import os
from typing import Any

MARKER = "<!-- cli-reference -->"


def cli_reference() -> str:
    """Markdown sections with the help of the main command and of every subcommand."""
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal width
    from cloudorg.cli import build_parser

    parser = build_parser()
    parts = ["## cloudorg", "", "```text", parser.format_help().rstrip(), "```", ""]
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, sub in commands.choices.items():
        parts += [f"## cloudorg {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Fill in the marker of the CLI reference page."""
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
