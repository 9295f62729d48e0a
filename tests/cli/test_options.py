"""The options shared by the commands: every list option takes its values followed by
positional arguments, space- or comma-separated."""

from __future__ import annotations

import argparse

import pytest

from cloudorg.cli import build_parser
from cloudorg.cli.options import ListAction
from cloudorg.metrics.registry import metric_names
from cloudorg.pipeline.config import STAGES
from cloudorg.quantities import QUANTITIES
from cloudorg.tiles.filters import FLAGS


def list_options():
    """(command, its parser, list option) for every list option of every command."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, parser in sub.choices.items():
        for action in parser._actions:
            if isinstance(action, ListAction):
                yield pytest.param(parser, action, id=f"{command} {action.option_strings[0]}")


CANDIDATES = [*QUANTITIES, *FLAGS, *STAGES, *metric_names(), "embeddings", "metrics", "rgb"]


def filler(action: argparse.Action) -> list[str]:
    """Words for an argument: a store path, a number or a choice."""
    if action.choices:
        return [str(next(iter(action.choices)))]
    return ["1"] if action.type in (int, float) else ["c.zarr"]


@pytest.mark.parametrize("parser, option", list(list_options()))
def test_list_options_followed_by_positionals_parse(parser, option):
    values = [w for w in CANDIDATES if option.takes(w) and option.type(w)][:2]
    assert len(values) == 2
    positionals = [a for a in parser._actions if not a.option_strings]
    required = [a for a in parser._actions if a.option_strings and a.required]
    words = [option.option_strings[0], *values]
    words += [f"data/input_{k}.nc" for k in range(len(positionals))]
    for action in required:
        words += [action.option_strings[0], *filler(action)]
    args = parser.parse_args(words)
    assert getattr(args, option.dest) == values
    for k, action in enumerate(positionals):
        got = getattr(args, action.dest)
        assert (got if isinstance(got, str) else got[0]) == f"data/input_{k}.nc"
    comma = parser.parse_args([*words[:1], ",".join(values), *words[3:]])
    assert getattr(comma, option.dest) == values
