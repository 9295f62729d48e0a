"""The configuration of a pipeline run: one YAML file from satellite files to the report.

Every section is optional and takes the defaults below; paths are relative to the YAML
file's directory (URLs stay as they are). The ``stages`` list says which stages run
(default: all, in order).

.. code-block:: yaml

    store: campaign.zarr                 # or s3://bucket/campaign.zarr, gs://...
    storage_options: {}                  # fsspec options of a store URL, e.g.
                                         # {endpoint_url: "http://127.0.0.1:9000"}
    domain: {name: eurec4a}              # or {name: box, bounds: [-60, -56, 12, 16]}
    cluster: {workers: 2}                # or {scheduler: "tcp://host:8786"}
    ingest: {inputs: [data/], max_solar_zenith: 80}   # files, folders, URLs; or an archive:
    # ingest:
    #   archive: {name: goes16, product: RadF, start: "2020-01-20T12", end: "2020-02-20T18",
    #             every: 1h, hours: [12, 18]}
    #   cache_dir: cache/                # bytes read from the archive, kept for reruns
    tiles: {size: 256}
    metrics: {mask: greyscale}
    model:
      checkpoint: model.pt               # trained (or resumed) here unless train: false
      tile2vec: {model: {width: 16, embedding_dim: 32}, training: {steps: 500}}
    embed: {batch_size: 64}
    analysis: {k: 4, scales: [64, 128, 256]}   # labels: {path: boxes.csv, tolerance: 1h}
    report: {out: report.html}

Examples
--------
>>> config = PipelineConfig.from_yaml_text("tiles: {size: 128}", root="/data/run")
>>> config.tiles.size, config.store, config.stages[0]
(128, '/data/run/campaign.zarr', 'ingest')
>>> config.tile2vec.data.tile_size
128
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Self

from ..errors import ConfigError
from ..models.config import ConfigBase, Tile2VecConfig
from ..quantities import DEFAULT_QUANTITIES
from ..store.location import StoreLocation

__all__ = [
    "STAGES",
    "AnalysisSection",
    "ArchiveSection",
    "ClusterSection",
    "DomainSection",
    "EmbedSection",
    "IngestSection",
    "LabelsSection",
    "MetricsSection",
    "ModelSection",
    "PipelineConfig",
    "ReportSection",
    "TilesSection",
]

STAGES = ("ingest", "tiles", "metrics", "train", "embed", "analyse", "report")
"""The stages of a run, in the order they run."""


@dataclass(frozen=True)
class DomainSection(ConfigBase):
    """The domain grid: a named domain, or a box in degrees with a pixel size.

    Examples
    --------
    >>> DomainSection(name="box", bounds=(-60, -56, 12, 16)).build().shape
    (445, 436)
    """

    name: str = "eurec4a"
    bounds: tuple[float, ...] | None = None
    resolution_km: float = 1.0

    def __post_init__(self) -> None:
        if self.bounds is not None and len(self.bounds) != 4:
            raise ConfigError(
                f"domain.bounds: expected [lon_min, lon_max, lat_min, lat_max], got {self.bounds}"
            )

    def build(self):
        """The :class:`~cloudorg.domains.Domain`.

        Examples
        --------
        >>> DomainSection().build().name
        'eurec4a'
        """
        from ..domains import Domain, get_domain

        if self.bounds is None:
            return get_domain(self.name)
        return Domain.from_bounds(self.name, *self.bounds, resolution_km=self.resolution_km)


@dataclass(frozen=True)
class ClusterSection(ConfigBase):
    """Where the work runs: a new LocalCluster of ``workers`` workers, a running scheduler,
    or (``synchronous: true``) this process alone.

    Examples
    --------
    >>> ClusterSection(scheduler="tcp://10.0.0.1:8786").client
    'tcp://10.0.0.1:8786'
    """

    scheduler: str | None = None
    workers: int | None = None
    synchronous: bool = False

    @property
    def client(self) -> str | None:
        """The ``client=`` argument of the library's functions."""
        from ..distributed import SYNCHRONOUS

        return SYNCHRONOUS if self.synchronous else self.scheduler


@dataclass(frozen=True)
class ArchiveSection(ConfigBase):
    """A time range straight from a satellite archive
    (:class:`~cloudorg.io.archive.ArchiveQuery`; its quantities and domain are the run's).

    Examples
    --------
    >>> import datetime
    >>> ArchiveSection.from_dict({"name": "goes16", "product": "RadF",
    ...                           "start": datetime.date(2020, 1, 20), "end": "2020-01-21"}).start
    '2020-01-20'
    """

    name: str
    product: str
    start: str
    end: str
    every: str | None = None
    hours: tuple[int, ...] | None = None
    url: str | None = None
    storage_options: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, _prefix: str = "") -> Self:
        """As :meth:`ConfigBase.from_dict`; YAML's dates and times are taken as ISO text."""
        if isinstance(data, dict):
            data = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        return super().from_dict(data, _prefix=_prefix)

    def query(self, domain: Any, quantities: tuple[str, ...]) -> Any:
        """The archive query of this section."""
        from ..io.archive import ArchiveQuery

        return ArchiveQuery(self.name, self.product, self.start, self.end, every=self.every,
                            hours=self.hours, domain=domain, quantities=quantities,
                            base_url=self.url, storage_options=self.storage_options)  # fmt: skip


@dataclass(frozen=True)
class IngestSection(ConfigBase):
    """Which files (or which archive time range), which quantities
    (:func:`cloudorg.ingest.ingest`); how input URLs are read (a local cache, retries)."""

    inputs: tuple[str, ...] = ()
    archive: ArchiveSection | None = None
    quantities: tuple[str, ...] = DEFAULT_QUANTITIES
    composites: tuple[str, ...] = ()
    max_solar_zenith: float | None = 80.0
    chunk_size: int = 1024
    cache_dir: str | None = None
    retries: int = 3

    def __post_init__(self) -> None:
        if self.inputs and self.archive is not None:
            raise ConfigError("ingest: give inputs or archive, not both")


@dataclass(frozen=True)
class TilesSection(ConfigBase):
    """The tiling shared by metrics, training, embeddings and analysis, and the
    thresholds of the tile table's quality flags (``filters``: the fields of
    :class:`~cloudorg.tiles.filters.FilterConfig`, e.g. ``{max_solar_zenith: 95}`` to tile
    a campaign of night-time scans).

    Examples
    --------
    >>> TilesSection(filters={"max_solar_zenith": 95}).filter_config().max_solar_zenith
    95
    >>> TilesSection(filters={"max_zenith": 95})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: tiles.filters: unknown key 'max_zenith'; expected some of ...
    """

    size: int = 256
    stride: int | None = None
    edge: str = "drop"
    filters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self.spec  # noqa: B018 - validates the tiling
        except ConfigError as err:
            raise ConfigError(f"tiles: {err}") from err
        self.filter_config()

    @property
    def spec(self) -> Any:
        """The tiling as a :class:`~cloudorg.tiles.TileSpec`, the value every stage takes.

        Examples
        --------
        >>> TilesSection(size=128, stride=64).spec.name
        '128px_stride64'
        """
        from ..tiles.grid import TileSpec

        return TileSpec(self.size, self.stride, self.edge)

    def filter_config(self) -> Any:
        """The :class:`~cloudorg.tiles.filters.FilterConfig` of ``filters``."""
        from dataclasses import fields

        from ..tiles.filters import FilterConfig

        names = [f.name for f in fields(FilterConfig)]
        unknown = [k for k in self.filters if k not in names]
        if unknown:
            raise ConfigError(f"tiles.filters: unknown key {unknown[0]!r}; expected some of "
                              f"{names}")  # fmt: skip
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in self.filters.items()}
        try:
            return FilterConfig(**values)
        except ConfigError as err:
            raise ConfigError(f"tiles.filters: {err}") from err


@dataclass(frozen=True)
class MetricsSection(ConfigBase):
    """Cloud-mask metrics of every tile (:func:`cloudorg.metrics.metrics_for_store`)."""

    mask: str = "greyscale"
    metrics: tuple[str, ...] | None = None
    max_missing_fraction: float = 0.0


@dataclass(frozen=True)
class ModelSection(ConfigBase):
    """The embedding model: trained into ``checkpoint`` (a rerun resumes it) or, with
    ``train: false``, an existing checkpoint; ``tile2vec`` is its
    :class:`~cloudorg.models.Tile2VecConfig` (its tiling comes from ``tiles``)."""

    checkpoint: str = "model.pt"
    train: bool = True
    tile2vec: Tile2VecConfig = field(default_factory=Tile2VecConfig)


@dataclass(frozen=True)
class EmbedSection(ConfigBase):
    """Embedding every usable tile (:func:`cloudorg.models.embed`)."""

    batch_size: int = 64
    device: str = "auto"


@dataclass(frozen=True)
class LabelsSection(ConfigBase):
    """A label file the analysis scores against (:func:`cloudorg.io.labels.read_labels`):
    a class per scene, boxes with times, the Zooniverse CSV, a label raster, or a Kaggle
    ``train.csv`` with its ``images`` table; matched to scenes within ``tolerance``.

    Examples
    --------
    >>> LabelsSection(path="boxes.csv").resolved(lambda p: "/run/" + p).path
    '/run/boxes.csv'
    """

    path: str
    kind: str = "auto"
    images: str | None = None
    tolerance: str = "1h"

    def resolved(self, under: Any) -> Self:
        """A copy with its paths passed through ``under`` (relative to the YAML file)."""
        return self.replace(path=under(self.path),
                            images=None if self.images is None else under(self.images))  # fmt: skip

    def source(self) -> Any:
        """The :class:`~cloudorg.io.labels.LabelSource` of the file."""
        from ..io.labels import read_labels

        return read_labels(self.path, kind=self.kind, images=self.images,
                           tolerance=self.tolerance)  # fmt: skip


@dataclass(frozen=True)
class AnalysisSection(ConfigBase):
    """Clustering and scores (:func:`cloudorg.analysis.campaign.analyse`) and, when
    ``scales`` lists tile sizes, the scale study of the model over them
    (:func:`cloudorg.analysis.campaign.store_scale_study`, tiles overlapping by
    ``scale_overlap``). ``labels`` (a file, or a :class:`LabelsSection` mapping) replaces
    the tile table's labels; a tile is scored with its majority class when it covers
    ``min_coverage`` of it; ``missing`` is the rule for metrics undefined on some tiles.

    Examples
    --------
    >>> AnalysisSection.from_dict({"labels": "scenes.csv"}).labels.path
    'scenes.csv'
    """

    k: int = 4
    seed: int = 0
    scales: tuple[int, ...] = ()
    scale_overlap: float | None = None
    labels: LabelsSection | None = None
    min_coverage: float = 0.5
    missing: str = "impute"
    n_bootstrap: int = 1000

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, _prefix: str = "") -> Self:
        """As :meth:`ConfigBase.from_dict`; ``labels: FILE`` is short for ``labels: {path:
        FILE}``."""
        if isinstance(data, dict) and isinstance(data.get("labels"), str):
            data = {**data, "labels": {"path": data["labels"]}}
        return super().from_dict(data, _prefix=_prefix)

    def resolved(self, under: Any) -> Self:
        """A copy with the label paths passed through ``under``."""
        return self if self.labels is None else self.replace(labels=self.labels.resolved(under))


@dataclass(frozen=True)
class ReportSection(ConfigBase):
    """The HTML report (:func:`cloudorg.report.write_report`)."""

    out: str = "report.html"


@dataclass(frozen=True)
class PipelineConfig(ConfigBase):
    """A whole run: store, domain, cluster, one section per stage and the stages to run.

    Examples
    --------
    >>> PipelineConfig.from_dict({"stages": ["tiles", "metrics"]}).stages
    ('tiles', 'metrics')
    >>> PipelineConfig.from_dict({"stages": ["tile"]})
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: stages: unknown stage 'tile'; expected some of ...
    """

    store: str = "campaign.zarr"
    storage_options: dict[str, Any] = field(default_factory=dict)
    domain: DomainSection = field(default_factory=DomainSection)
    cluster: ClusterSection = field(default_factory=ClusterSection)
    ingest: IngestSection = field(default_factory=IngestSection)
    tiles: TilesSection = field(default_factory=TilesSection)
    metrics: MetricsSection = field(default_factory=MetricsSection)
    model: ModelSection = field(default_factory=ModelSection)
    embed: EmbedSection = field(default_factory=EmbedSection)
    analysis: AnalysisSection = field(default_factory=AnalysisSection)
    report: ReportSection = field(default_factory=ReportSection)
    stages: tuple[str, ...] = STAGES

    def __post_init__(self) -> None:
        unknown = [s for s in self.stages if s not in STAGES]
        if unknown:
            raise ConfigError(
                f"stages: unknown stage {unknown[0]!r}; expected some of {list(STAGES)}"
            )

    @property
    def location(self) -> StoreLocation:
        """The store with its storage options.

        Examples
        --------
        >>> PipelineConfig.from_dict({"store": "s3://bucket/c.zarr"}).location.url
        's3://bucket/c.zarr'
        """
        return StoreLocation(self.store, self.storage_options)

    @property
    def tile2vec(self) -> Tile2VecConfig:
        """The model's configuration with the run's tiling.

        Examples
        --------
        >>> PipelineConfig.from_dict({"tiles": {"size": 64}}).tile2vec.data.tile_size
        64
        """
        data = self.model.tile2vec.data.replace(
            tile_size=self.tiles.size, stride=self.tiles.stride, edge=self.tiles.edge
        )
        return self.model.tile2vec.replace(data=data)

    def resolved(self, root: str | os.PathLike[str]) -> Self:
        """A copy whose relative paths are taken relative to ``root``.

        Examples
        --------
        >>> PipelineConfig().resolved("/runs/a").report.out
        '/runs/a/report.html'
        """
        root = Path(root)

        def under(path: str) -> str:
            return path if "://" in path else str(root / Path(path).expanduser())

        return self.replace(
            store=under(self.store),
            ingest=self.ingest.replace(
                inputs=tuple(under(p) for p in self.ingest.inputs),
                cache_dir=None if self.ingest.cache_dir is None else under(self.ingest.cache_dir),
            ),
            model=self.model.replace(checkpoint=under(self.model.checkpoint)),
            analysis=self.analysis.resolved(under),
            report=self.report.replace(out=under(self.report.out)),
        )

    @classmethod
    def from_yaml_text(cls, text: str, *, root: str | os.PathLike[str] = ".") -> Self:
        """The configuration of YAML text, paths relative to ``root``.

        Raises
        ------
        cloudorg.errors.ConfigError
            For text that is not a YAML mapping, or an unknown or ill-typed key.

        Examples
        --------
        >>> PipelineConfig.from_yaml_text("analysis: {k: 3}").analysis.k
        3
        """
        import yaml

        try:
            data: Any = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ConfigError(f"pipeline config: not valid YAML ({err})") from err
        return cls.from_dict({} if data is None else data).resolved(root)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> Self:
        """The configuration of a YAML file; relative paths are relative to its directory.

        Raises
        ------
        cloudorg.errors.ConfigError
            When the file cannot be read or is not a valid configuration (the message
            names the file).

        Examples
        --------
        >>> PipelineConfig.from_yaml("/nonexistent/run.yaml")
        Traceback (most recent call last):
        ...
        cloudorg.errors.ConfigError: pipeline config /nonexistent/run.yaml: cannot be read ...
        """
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as err:
            raise ConfigError(f"pipeline config {path}: cannot be read ({err})") from err
        try:
            return cls.from_yaml_text(text, root=path.resolve().parent)
        except ConfigError as err:
            raise ConfigError(f"pipeline config {path}: {err}") from err

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The configuration as YAML text, also written to ``path`` when given.

        Examples
        --------
        >>> text = PipelineConfig().to_yaml()
        >>> PipelineConfig.from_yaml_text(text, root="/") == PipelineConfig().resolved("/")
        True
        """
        import yaml

        text = yaml.safe_dump(self.to_dict(), sort_keys=False)
        if path is not None:
            Path(path).write_text(text)
        return text
