"""The goals of the benchmarks in one table: each asv ``track_`` benchmark marked with
:func:`benchmarks.timing.tracked`, its measured value, its goal and whether it is met.

The values come from one of two sources:

- ``--run`` (the default): every tracked benchmark runs in this process as asv runs it
  (``setup_cache`` once per class in a scratch directory, then ``setup``, the ``track_``
  function and ``teardown`` for each parameter); full runs, or quick ones with
  ``CLOUDORG_BENCH_QUICK=1``;
- ``--asv DIR``: the results asv saved last in ``DIR`` (``asv run --set-commit-hash``, as
  ``ci/bench.sh`` does).

The table (``benchmark | measured | goal | met``) and a line describing the machine go to
standard output, and with ``--write FILE`` into the section of ``FILE`` between the
markers ``<!-- goals:begin -->`` and ``<!-- goals:end -->`` (with ``--bench``, the rows of
the other modules there are kept)::

    python -m benchmarks.collect --write docs/benchmarks.md        # full runs, minutes
    python -m benchmarks.collect --bench bench_tiles --bench bench_startup
    python -m benchmarks.collect --asv .asv/results

Examples
--------
>>> met(23.5, ">= 20"), met(1.41, "<= 1.3"), met(0.9, None)
(True, False, None)
>>> row = Measured("bench_x.Y.track_z", (64,), 23.5, "x", ">= 20")
>>> row.cells()
['`bench_x.Y.track_z(64)`', '23.5 x', '>= 20', 'yes']
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import itertools
import json
import operator
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
BEGIN, END = "<!-- goals:begin -->", "<!-- goals:end -->"
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def met(value: float | None, goal: str | None) -> bool | None:
    """Whether ``value`` meets ``goal`` (``">= 20"``, ``"<= 1.3"``); None without a goal
    or a value.

    Examples
    --------
    >>> met(1.7, ">= 1.7"), met(None, ">= 1")
    (True, None)
    """
    if goal is None or value is None:
        return None
    op, number = goal.split()
    return bool(_OPS[op](value, float(number)))


@dataclass(frozen=True)
class Measured:
    """One tracked value: the benchmark's asv name, its parameters, value, unit, goal.

    Examples
    --------
    >>> Measured("m.C.track_t", (), None, "s", "<= 3").cells()[1:]
    ['failed', '<= 3', '-']
    """

    name: str
    params: tuple[Any, ...]
    value: float | None
    unit: str
    goal: str | None

    def cells(self) -> list[str]:
        """The table cells: benchmark, measured, goal, met."""
        args = f"({', '.join(map(str, self.params))})" if self.params else ""
        value = "failed" if self.value is None else f"{_round(self.value)} {self.unit}"
        verdict = {True: "yes", False: "**no**", None: "-"}[met(self.value, self.goal)]
        return [f"`{self.name}{args}`", value, self.goal or "-", verdict]


def _round(value: float) -> str:
    """Three significant figures, never in scientific notation."""
    digits = max(0, 2 - int(f"{abs(value):e}".split("e")[1])) if value else 0
    return f"{value:.{digits}f}"


def tracked_benchmarks(only: list[str] | None = None) -> Iterator[tuple[str, type, str]]:
    """``(module, class, track_ function name)`` of every tracked benchmark in
    ``benchmarks/bench_*.py`` (the modules named in ``only``, when given)."""
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name, fn in inspect.getmembers(cls, inspect.isfunction):
                if name.startswith("track_") and hasattr(fn, "goal"):
                    yield path.stem, cls, name


def _param_sets(cls: type) -> list[tuple[Any, ...]]:
    params = getattr(cls, "params", ())
    if not params:
        return [()]
    if not isinstance(params[0], list | tuple):
        params = [params]
    return list(itertools.product(*params))


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A scratch working directory, as asv gives ``setup_cache``."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="cloudorg-collect-") as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(here)


def run_class(module: str, cls: type, names: list[str]) -> list[Measured]:
    """Run the tracked benchmarks ``names`` of a class in this process, as asv does."""
    found = []
    with _scratch():
        cache = cls().setup_cache() if hasattr(cls, "setup_cache") else None
        head = () if cache is None else (cache,)
        for name, params in itertools.product(names, _param_sets(cls)):
            bench = cls()
            fn = getattr(cls, name)
            value = None
            try:
                if hasattr(bench, "setup"):
                    bench.setup(*head, *params)
                try:
                    value = float(getattr(bench, name)(*head, *params))
                finally:
                    if hasattr(bench, "teardown"):
                        bench.teardown(*head, *params)
            except NotImplementedError:  # asv's way of skipping
                continue
            except Exception as err:  # reported in the table; the other benchmarks go on
                print(f"{module}.{cls.__name__}.{name}{params}: {type(err).__name__}: {err}",
                      file=sys.stderr)  # fmt: skip
            row = Measured(f"{module}.{cls.__name__}.{name}", params, value, fn.unit, fn.goal)
            print(" | ".join(row.cells()), flush=True)
            found.append(row)
    return found


def run_all(only: list[str] | None = None) -> list[Measured]:
    """Every tracked benchmark (of the modules in ``only``), run in this process."""
    by_class: dict[tuple[str, type], list[str]] = {}
    for module, cls, name in tracked_benchmarks(only):
        by_class.setdefault((module, cls), []).append(name)
    return [row for (module, cls), names in by_class.items()
            for row in run_class(module, cls, names)]  # fmt: skip


def from_asv(results_dir: Path, only: list[str] | None = None) -> list[Measured]:
    """The tracked values of the newest results file asv saved under ``results_dir``."""
    files = [p for p in results_dir.glob("*/*.json") if p.name != "machine.json"]
    if not files:
        raise SystemExit(f"no asv results under {results_dir}: run `asv run "
                         "--set-commit-hash COMMIT` first (a --dry-run saves none)")  # fmt: skip
    data = json.loads(max(files, key=lambda p: p.stat().st_mtime).read_text())
    columns = data["result_columns"]
    found = []
    for module, cls, name in tracked_benchmarks(only):
        key = f"{module}.{cls.__name__}.{name}"
        fn = getattr(cls, name)
        if key not in data["results"]:
            found.append(Measured(key, (), None, fn.unit, fn.goal))
            continue
        entry = dict(zip(columns, data["results"][key], strict=False))
        values = entry["result"] or [None]
        labels = list(itertools.product(*(entry.get("params") or [])))
        for params, value in zip(labels, values, strict=False):
            shown = tuple(_unquote(p) for p in params)
            number = None if value is None or value != value else float(value)
            found.append(Measured(key, shown, number, fn.unit, fn.goal))
    return found


def _unquote(param: str) -> str:
    return param[1:-1] if re.fullmatch(r"'.*'", param) else param


def machine() -> str:
    """The machine, one line."""
    cores = os.cpu_count()
    with contextlib.suppress(Exception):
        cores = len(os.sched_getaffinity(0))
    name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        name = model.group(1).strip() if model else name
    return f"{name}, {cores} cores, {platform.system()}, Python {platform.python_version()}"


def table(rows: list[Measured], source: str, kept: list[str] = ()) -> str:
    """The Markdown table and the line that says where its numbers come from.

    Examples
    --------
    >>> print(table([Measured("m.C.track_t", (), 1.8, "x", ">= 1.7")], "full runs"))
    ... # doctest: +ELLIPSIS
    | benchmark | measured | goal | met |
    | --- | --- | --- | --- |
    | `m.C.track_t` | 1.80 x | >= 1.7 | yes |
    <BLANKLINE>
    full runs on ...
    """
    lines = ["| benchmark | measured | goal | met |", "| --- | --- | --- | --- |"]
    lines += sorted(["| " + " | ".join(row.cells()) + " |" for row in rows] + list(kept),
                    key=_natural)  # fmt: skip
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    note = "; the other rows are kept from earlier runs" if kept else ""
    return "\n".join(lines) + f"\n\n{source} on {machine()}, {stamp}{note}."


def _natural(line: str) -> list[Any]:
    """A sort key that puts ``(64)`` before ``(128)``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", line)]


def write_section(path: Path, text: str) -> None:
    """Replace what is between the markers in ``path`` by ``text``."""
    old = path.read_text()
    if BEGIN not in old or END not in old:
        raise SystemExit(f"{path}: no {BEGIN} ... {END} section")
    head, rest = old.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def kept_rows(path: Path, run: set[str]) -> list[str]:
    r"""The table rows in ``path``'s section of the modules not in ``run``, as they are.

    Examples
    --------
    >>> import tempfile
    >>> doc = Path(tempfile.mkdtemp()) / "b.md"
    >>> _ = doc.write_text(f"{BEGIN}\n| `bench_a.C.track_x` | 1 x | - | - |\n{END}\n")
    >>> kept_rows(doc, {"bench_b"})
    ['| `bench_a.C.track_x` | 1 x | - | - |']
    """
    if not path.exists() or BEGIN not in path.read_text():
        return []
    section = path.read_text().split(BEGIN, 1)[1].split(END, 1)[0]
    rows = re.findall(r"^\| `(bench_\w+)\..*$", section, flags=re.MULTILINE)
    lines = [line for line in section.splitlines() if line.startswith("| `bench_")]
    return [line for line, module in zip(lines, rows, strict=True) if module not in run]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asv", type=Path, metavar="DIR",
                        help="read asv's saved results here instead of running")  # fmt: skip
    parser.add_argument("--bench", action="append", metavar="MODULE",
                        help="only this module (bench_tiles, ...); repeatable")  # fmt: skip
    parser.add_argument("--write", type=Path, metavar="FILE",
                        help="also write the table into FILE's goals section")  # fmt: skip
    args = parser.parse_args(argv)
    os.environ.setdefault("SATPY_DOWNLOAD_AUX", "False")
    os.environ.setdefault("MPLBACKEND", "Agg")
    from benchmarks.timing import quick

    if args.asv:
        rows, source = from_asv(args.asv, args.bench), "asv's saved results"
    else:
        rows = run_all(args.bench)
        how = "Quick runs (one round)" if quick() else "Full runs"
        source = f"{how} of `python -m benchmarks.collect`"
    kept = kept_rows(args.write, set(args.bench)) if args.write and args.bench else []
    text = table(rows, source, kept)
    print(text)
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
