"""The ``cloudorg synth``, ``cloudorg ingest`` and ``cloudorg info`` commands: synthetic
input files, a campaign store from satellite files, and what a store holds.

:func:`register` adds them to the ``cloudorg`` command's subparsers; each sets ``func``,
which returns the exit status and raises :class:`~cloudorg.errors.CloudorgError` for bad
input (the main command prints those).

Examples
--------
>>> from cloudorg.cli.options import CommandParser
>>> sub = CommandParser(prog="cloudorg").add_subparsers(dest="command")
>>> register(sub)
>>> args = sub.choices["ingest"].parse_args(["data/", "--store", "c.zarr", "--bounds",
...                                          "-60", "-50", "10", "20", "--workers", "2"])
>>> args.inputs, args.store, args.bounds, args.workers
(['data/'], 'c.zarr', [-60.0, -50.0, 10.0, 20.0], 2)
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CloudorgError
from .options import (
    add_cluster_options,
    add_list_option,
    add_store_argument,
    client_of,
    print_dashboard,
)

__all__ = ["register"]


def _domain(args: argparse.Namespace):
    from ..domains import DOMAINS, Domain, get_domain
    from ..errors import ConfigError

    if args.bounds:
        lon_min, lon_max, lat_min, lat_max = args.bounds
        return Domain.from_bounds(
            args.domain, lon_min, lon_max, lat_min, lat_max, resolution_km=args.resolution
        )
    if args.domain not in DOMAINS:
        raise ConfigError(
            f"--domain {args.domain}: not a named domain; expected one of {sorted(DOMAINS)}, "
            "or a box of your own: --domain NAME --bounds LON_MIN LON_MAX LAT_MIN LAT_MAX "
            "[--resolution KM]"
        )
    return get_domain(args.domain)


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..synthetic import EUREC4A_BOUNDS, synthesize_campaign

    bounds = tuple(args.bounds) if args.bounds else EUREC4A_BOUNDS
    paths = synthesize_campaign(
        args.directory, args.n, sensors=tuple(args.sensors.split(",")), bounds=bounds,
        resolution_deg=args.resolution_deg, seed=args.seed,
        start=datetime.fromisoformat(args.start), progress=not args.quiet,
    )  # fmt: skip
    print(f"wrote {len(paths)} files for {args.n} scenes to {Path(args.directory).resolve()}")
    return 0


def _ingest(args: argparse.Namespace, paths: Any) -> int:
    """Ingest; the exit status: 0 when every new input was ingested or skipped for a stated
    reason, 1 when some failed (named) or nothing new was ingested."""
    from ..distributed import cluster_client
    from ..ingest import ingest
    from ..store import StoreLocation, read_manifest

    domain = _domain(args)  # bad options fail before a cluster starts
    before = _records(args.store)
    with cluster_client(client_of(args), n_workers=args.workers) as client:
        print_dashboard(client)
        ds = ingest(
            paths, args.store, domain=domain, quantities=args.quantities,
            composites=args.composites, client=client, max_solar_zenith=args.max_solar_zenith,
            chunk_size=args.chunk_size, input_options=_input_options(args),
            progress=not args.quiet,
        )  # fmt: skip
    manifest = read_manifest(args.store)
    counts = manifest["status"].value_counts().to_dict()
    print(
        f"store {StoreLocation(args.store)}: {ds.sizes.get('scene', 0)} scenes; files "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    after = _records(args.store)
    return _ingest_status(manifest[[before.get(p) != after[p] for p in manifest["path"]]])


def _records(store: str) -> dict[str, Any]:
    """The manifest's records by path (none when there is no store yet)."""
    from ..store import CampaignStore

    try:
        return CampaignStore.open(store).file_records()
    except CloudorgError:
        return {}


def _short(reason: str, limit: int = 300) -> str:
    """A reason cut to ``limit`` characters, keeping its end (what to do)."""
    return reason if len(reason) <= limit else reason[: limit // 2 - 2] + " ... " + \
        reason[-(limit // 2 - 3):]  # fmt: skip


def _ingest_status(run: Any) -> int:
    """The exit status of an ingest from the manifest records it wrote."""
    failed = run[run["status"] == "failed"]
    for row in failed.head(20).itertuples():
        reason = row.reason.removeprefix(f"{row.path}: ")
        print(f"cloudorg: failed: {row.path}: {_short(reason)}", file=sys.stderr)
    if len(failed) > 20:
        print(f"cloudorg: ... and {len(failed) - 20} more failed files (`cloudorg info`)",
              file=sys.stderr)  # fmt: skip
    if len(failed):
        return 1
    scenes = run[run["scene_id"].notna()]  # files of scenes, not unrecognised files
    if len(scenes) and not (scenes["status"] == "ingested").any():
        reasons = scenes["reason"].str.split(": ", n=1).str[-1].value_counts()
        shown = "; ".join(f"{n} x {_short(r)}" for r, n in reasons.head(3).items())
        print(f"cloudorg: nothing new was ingested: {len(scenes)} files skipped: {shown}",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _input_options(args: argparse.Namespace) -> Any:
    from ..io.remote import InputOptions

    return InputOptions(cache_dir=args.cache_dir, retries=args.retries)


def _inputs(args: argparse.Namespace) -> Any:
    """The files of the command line, or its archive query."""
    from ..errors import ConfigError
    from ..ingest import IngestConfig
    from ..io.archive import ArchiveQuery
    from ..io.remote import is_url

    if args.archive is None:
        if not args.inputs:
            raise ConfigError("give FILES_OR_DIRS (files, folders or URLs) or --archive")
        missing = [p for p in args.inputs if not is_url(p) and not Path(p).exists()]
        if missing:
            raise ConfigError(f"FILES_OR_DIRS: no such file or directory: {', '.join(missing)}")
        return args.inputs
    if args.inputs:
        raise ConfigError(f"FILES_OR_DIRS {args.inputs} and --archive: give one or the other")
    missing = [f"--{o}" for o in ("product", "start", "end") if getattr(args, o) is None]
    if missing:
        raise ConfigError(f"--archive {args.archive} needs {', '.join(missing)}")
    domain = _domain(args)
    read = IngestConfig(domain, tuple(args.quantities)).read_quantities()
    return ArchiveQuery(args.archive, args.product, args.start, args.end, every=args.every,
                        hours=args.hours, domain=domain, quantities=read,
                        base_url=args.archive_url)  # fmt: skip


def _dry_run(args: argparse.Namespace, paths: Any) -> None:
    """List what an ingest would read, and what it would leave out."""
    import pandas as pd

    from ..ingest import find_scenes
    from ..io.archive import ArchiveQuery
    from ..store import CampaignStore

    options = _input_options(args)
    found = find_scenes(paths, paths.options if isinstance(paths, ArchiveQuery) else options)
    table = found.table()
    if args.store:
        try:
            stored = set(CampaignStore.open(args.store).scene_ids())
        except CloudorgError:
            stored = set()
        table["in_store"] = table["scene_id"].isin(stored)
    table["MB"] = table.pop("bytes") / 1e6
    print(table.to_string(max_rows=args.max_rows, float_format=lambda v: f"{v:.1f}"))
    total = table["MB"].sum()
    print(f"{len(table)} scenes, {table['files'].sum()} files, {total:.1f} MB as listed")
    reasons = pd.Series([r.split(": ", 1)[-1] for _, r in found.left_out], dtype=object)
    for reason, n in reasons.value_counts().items():
        print(f"left out: {n} files: {reason}")
    for note in found.notes:
        print(f"note: {note}")


def _cmd_ingest(args: argparse.Namespace) -> int:
    from ..errors import ConfigError

    paths = _inputs(args)
    if args.dry_run:
        _dry_run(args, paths)
        return 0
    if not args.store:
        raise ConfigError("--store: required (a local path or URL), except with --dry-run")
    return _ingest(args, paths)


def _cmd_info(args: argparse.Namespace) -> int:
    from ..store import CampaignStore, read_manifest

    store = CampaignStore.open(args.store)
    attrs = store.attrs
    dom = store.domain
    print(f"store:      {store.url} (zarr v{store.zarr_format})")
    print(
        f"domain:     {dom.name}: lon {dom.lon_min:g}..{dom.lon_max:g}, lat {dom.lat_min:g}.."
        f"{dom.lat_max:g}; {dom.resolution_km:g} km pixels, {dom.shape[0]} rows (y) x "
        f"{dom.shape[1]} columns (x)"
    )
    print(f"quantities: {', '.join(attrs['quantities'])}")
    ids = store.scene_ids()
    print(f"scenes:     {len(ids)}")
    if ids:
        ds = store.open_scenes()
        table = ds[["scene_id", "platform", "solar_zenith_angle", "valid_fraction",
                    "brightness_temperature_11_p25"]].to_dataframe()  # fmt: skip
        print(table.to_string(max_rows=args.max_rows, float_format=lambda v: f"{v:.3g}"))
    manifest = read_manifest(store)
    print(f"files:      {len(manifest)}")
    for status, group in manifest.groupby("status"):
        print(f"  {status}: {len(group)}")
        if status != "ingested":
            for reason, n in group["reason"].value_counts().head(args.max_rows).items():
                print(f"    {n} x {reason}")
    return 0


def _add_domain_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("domain")
    g.add_argument("--domain", default="eurec4a", help="named domain, or the name of a custom "
                   "domain given with --bounds (default: eurec4a)")  # fmt: skip
    g.add_argument("--bounds", type=float, nargs=4,
                   metavar=("LON_MIN", "LON_MAX", "LAT_MIN", "LAT_MAX"),
                   help="custom domain box in degrees")  # fmt: skip
    g.add_argument("--resolution", type=float, default=1.0, metavar="KM",
                   help="pixel size of a custom domain in km (default: 1)")  # fmt: skip


def _add_ingest_options(p: argparse.ArgumentParser) -> None:
    from ..io.readers import PRODUCTS
    from ..quantities import DEFAULT_QUANTITIES, DERIVED, QUANTITIES

    add_list_option(p, "--quantities", metavar="Q", default=DEFAULT_QUANTITIES,
                    accepts={*QUANTITIES, *PRODUCTS, *DERIVED},
                    help=f"what to store (default: {','.join(DEFAULT_QUANTITIES)})")  # fmt: skip
    add_list_option(p, "--composites", metavar="NAME", default=(), allow_empty=True,
                    help="offline satpy composites to store as well")  # fmt: skip
    p.add_argument(
        "--max-solar-zenith",
        type=float,
        default=80.0,
        metavar="DEG",
        help="skip scenes darker than this at the domain centre (default: 80)",
    )
    p.add_argument("--chunk-size", type=int, default=1024, metavar="PX",
                   help="spatial chunk edge of a new store (default: 1024)")  # fmt: skip
    p.add_argument("--cache-dir", metavar="DIR", help="keep the bytes read from input URLs "
                   "here: a rerun or another domain fetches nothing twice")  # fmt: skip
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="reads again of a scene after a network error (default: 3)")  # fmt: skip


def _add_archive_options(p: argparse.ArgumentParser) -> None:
    from ..io.archive import ARCHIVES

    g = p.add_argument_group("archive", "a time range straight from a satellite archive, "
                             "instead of FILES_OR_DIRS (see docs/archives.md)")  # fmt: skip
    g.add_argument("--archive", choices=sorted(ARCHIVES), help="the platform's archive")
    g.add_argument("--product", help="RadF, RadC, RadM1 or RadM2 (GOES); MYD021KM or MYD35_L2 "
                   "(Aqua; MOD... for Terra)")  # fmt: skip
    g.add_argument("--start", metavar="TIME", help="first scan start, e.g. 2020-01-20T12 (UTC)")
    g.add_argument("--end", metavar="TIME", help="last scan start, e.g. 2020-02-20T18 (UTC)")
    g.add_argument("--every", metavar="STEP", help="one scene per step, e.g. 1h (default: all)")
    g.add_argument("--hours", type=int, nargs=2, metavar=("FIRST", "LAST"),
                   help="UTC hours of the day, inclusive, e.g. 12 18")  # fmt: skip
    g.add_argument(
        "--archive-url",
        metavar="URL",
        help="base URL of the archive or of a mirror (default: the archive's own)",
    )
    g.add_argument("--dry-run", action="store_true",
                   help="list the scenes an ingest would read, and stop")  # fmt: skip
    g.add_argument("--max-rows", type=int, default=40, metavar="N",
                   help="rows of the --dry-run table (default: 40)")  # fmt: skip


def register(subparsers: Any) -> None:
    """Add the ``synth``, ``ingest`` and ``info`` commands to the ``cloudorg`` command.

    Parameters
    ----------
    subparsers : argparse subparsers action
        From ``parser.add_subparsers()``.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> register(sub)
    >>> sorted(sub.choices)
    ['info', 'ingest', 'synth']
    """
    p = subparsers.add_parser(
        "synth",
        help="write a synthetic campaign of real-format files",
        description="Write N synthetic scenes (GOES ABI L1b netCDF and/or MODIS L1b HDF4) "
        "showing the four organisation patterns, with their ground-truth pattern maps.",
    )
    p.add_argument("directory", help="output directory")
    p.add_argument("--n", type=int, default=4, help="number of scenes (default: 4)")
    p.add_argument("--sensors", default="abi", help="comma-separated: abi, modis (default: abi)")
    p.add_argument("--bounds", type=float, nargs=4,
                   metavar=("LON_MIN", "LON_MAX", "LAT_MIN", "LAT_MAX"),
                   help="lon/lat box of the scenes (default: the EUREC4A box)")  # fmt: skip
    p.add_argument("--resolution-deg", type=float, default=0.01,
                   help="grid spacing of the synthetic fields (default: 0.01)")  # fmt: skip
    p.add_argument("--start", default="2020-01-20T13:00:00", help="first scan time (UTC)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.set_defaults(func=_cmd_synth)

    p = subparsers.add_parser(
        "ingest",
        help="ingest satellite files into a campaign store",
        description="Read, calibrate, compose and resample scenes onto a domain and append "
        "them to a zarr campaign store. A rerun ingests only what is missing.",
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="FILES_OR_DIRS",
        help="files, directories, URLs of files or prefixes (s3://bucket/dir/)",
    )
    add_store_argument(p, "campaign store (created when absent; not needed with --dry-run)",
                       option=True, required=False)  # fmt: skip
    _add_domain_options(p)
    _add_ingest_options(p)
    _add_archive_options(p)
    add_cluster_options(p)
    p.set_defaults(func=_cmd_ingest)

    p = subparsers.add_parser(
        "info",
        help="describe a campaign store",
        description="Scenes, variables and the manifest of a store.",
    )
    add_store_argument(p)
    p.add_argument("--max-rows", type=int, default=20, help="rows of tables shown (default: 20)")
    p.set_defaults(func=_cmd_info)
