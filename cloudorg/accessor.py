"""The ``.cloudorg`` xarray accessor: the everyday calls on scenes, fields and tiles.

``import cloudorg`` registers it on Datasets and DataArrays. Each method is a thin call of
a library function (named in its docstring), so everything the accessor returns is what
the functions return: xarray objects with units and CF-style attributes.

============================  ==========================================================
``ds.cloudorg.cloud_mask()``  :func:`cloudorg.masks.cloud_mask` of scenes
``ds.cloudorg.tiles(256)``    every ``(y, x)`` variable cut into tiles
``ds.cloudorg.metrics()``     cloud-mask metrics of the scenes (or of their tiles)
``ds.cloudorg.embed(model)``  embeddings of the scenes' tiles
``da.cloudorg.tiles(256)``    :func:`cloudorg.tiles.tiles_of`
``da.cloudorg.metrics()``     metrics of a mask (:func:`cloudorg.metrics.metrics_for_tiles`)
``da.cloudorg.embed(model)``  embeddings of a tile stack
``da.cloudorg.to_domain(d)``  a satpy band on a domain (:func:`cloudorg.resample.to_domain`)
============================  ==========================================================

Examples
--------
>>> import numpy as np, xarray as xr
>>> import cloudorg
>>> mask = xr.DataArray(np.zeros((128, 128)), dims=("y", "x"))
>>> mask[10:20, 10:30] = 1
>>> float(mask.cloudorg.metrics(metrics=["cloud_fraction"])["cloud_fraction"])
0.01220703125
>>> mask.cloudorg.metrics(tile_size=64, metrics=["num_objects"])["num_objects"].values
array([1., 0., 0., 0.])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import xarray as xr

__all__ = ["CloudorgArrayAccessor", "CloudorgDatasetAccessor"]


def _metrics_of(
    mask: xr.DataArray,
    tile_size: int | None,
    stride: int | None,
    edge: str,
    options: dict[str, Any],
) -> xr.Dataset:
    from .metrics import metrics_for_tiles
    from .tiles.arrays import tiles_of

    if tile_size is not None:
        return metrics_for_tiles(tiles_of(mask, tile_size, stride=stride, edge=edge), **options)
    if mask.ndim == 2:
        return metrics_for_tiles(mask.expand_dims("field"), **options).squeeze("field")
    return metrics_for_tiles(mask, **options)


@xr.register_dataarray_accessor("cloudorg")
class CloudorgArrayAccessor:
    """``da.cloudorg``: tiles, metrics and embeddings of one field or stack of tiles.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import cloudorg
    >>> field = xr.DataArray(np.zeros((2, 130, 130)), dims=("scene", "y", "x"))
    >>> field.cloudorg.tiles(64).sizes["tile"]
    8
    """

    def __init__(self, obj: xr.DataArray) -> None:
        self._obj = obj

    def tiles(self, size: int = 256, *, stride: int | None = None, edge: str = "drop"):
        """The field cut into tiles: :func:`cloudorg.tiles.tiles_of`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> xr.DataArray(np.zeros((100, 100)), dims=("y", "x")).cloudorg.tiles(64).dims
        ('tile', 'y', 'x')
        """
        from .tiles.arrays import tiles_of

        return tiles_of(self._obj, size, stride=stride, edge=edge)

    def metrics(
        self,
        *,
        metrics: Iterable[str] | str | None = None,
        tile_size: int | None = None,
        stride: int | None = None,
        edge: str = "drop",
        connectivity: int = 4,
        min_area: float = 0,
        max_missing_fraction: float = 0.0,
        dx: float | None = None,
    ) -> xr.Dataset:
        """Cloud-mask metrics of this mask (1 cloud, 0 clear, NaN missing).

        A 2-D mask gives one value per metric; a mask with a leading dim (scenes, tiles)
        one per entry; with ``tile_size``, one per tile of :meth:`tiles`.
        :func:`cloudorg.metrics.metrics_for_tiles` computes them.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> masks = xr.DataArray(np.ones((3, 64, 64)), dims=("scene", "y", "x"))
        >>> masks.cloudorg.metrics(metrics="cloud_fraction")["cloud_fraction"].dims
        ('scene',)
        """
        options = {"metrics": metrics, "connectivity": connectivity, "min_area": min_area,
                   "max_missing_fraction": max_missing_fraction, "dx": dx}  # fmt: skip
        return _metrics_of(self._obj, tile_size, stride, edge, options)

    def embed(self, model: Any, *, batch_size: int = 64, device: str = "auto") -> xr.DataArray:
        """Embeddings of a stack of tiles ``(tile, [band,] y, x)``:
        :func:`cloudorg.models.embed_tiles`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> from cloudorg.models import ModelConfig, build_embedder
        >>> model = build_embedder(ModelConfig(width=4, embedding_dim=8))
        >>> rgb = np.zeros((5, 3, 64, 64), np.uint8)
        >>> tiles = xr.DataArray(rgb, dims=("tile", "band", "y", "x"))
        >>> tiles.cloudorg.embed(model).shape
        (5, 8)
        """
        from .models import embed_tiles

        return embed_tiles(self._obj, model, batch_size=batch_size, device=device)

    def to_domain(self, domain: Any, **kwargs: Any) -> xr.DataArray:
        """A satpy band (grid in ``attrs["area"]``) on a domain, lazily:
        :func:`cloudorg.resample.to_domain`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> from pyresample.geometry import AreaDefinition
        >>> from cloudorg.domains import Domain
        >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
        >>> src = AreaDefinition("ll", "", "", "EPSG:4326", 50, 50, (-55.5, 13.5, -53.5, 15.5))
        >>> band = xr.DataArray(np.ones((50, 50)), dims=("y", "x"), attrs={"area": src})
        >>> band.cloudorg.to_domain(dom).dims
        ('y', 'x')
        """
        from .domains import get_domain
        from .resample import to_domain

        return to_domain(self._obj, get_domain(domain) if isinstance(domain, str) else domain,
                         **kwargs)  # fmt: skip


@xr.register_dataset_accessor("cloudorg")
class CloudorgDatasetAccessor:
    """``ds.cloudorg``: cloud masks, tiles, metrics and embeddings of scenes.

    The scenes are a campaign store's (``CampaignStore.open(path).open_scenes()``, or
    ``xr.open_zarr(path, group="scenes")``) or any Dataset of ``(..., y, x)`` quantities.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import cloudorg
    >>> scenes = xr.Dataset({"greyscale": (("y", "x"), np.full((64, 64), 200, np.uint8))})
    >>> float(scenes.cloudorg.cloud_mask().mean())
    1.0
    """

    def __init__(self, obj: xr.Dataset) -> None:
        self._obj = obj

    def cloud_mask(self, recipe: Any = "greyscale") -> xr.DataArray:
        """The cloud mask of the scenes: :func:`cloudorg.masks.cloud_mask`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> ds = xr.Dataset({"brightness_temperature_11": (("y", "x"), [[280.0, 300.0]])})
        >>> ds.cloudorg.cloud_mask("brightness_temperature").values.tolist()
        [[1.0, 0.0]]
        """
        from .masks import cloud_mask

        return cloud_mask(self._obj, recipe)

    def tiles(
        self,
        size: int = 256,
        *,
        stride: int | None = None,
        edge: str = "drop",
        variables: Sequence[str] | None = None,
    ) -> xr.Dataset:
        """Every ``(y, x)`` variable (or ``variables``) cut into the same tiles.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> ds = xr.Dataset({"a": (("y", "x"), np.zeros((64, 128))), "t": 1.0})
        >>> ds.cloudorg.tiles(64)["a"].sizes["tile"], list(ds.cloudorg.tiles(64).data_vars)
        (2, ['a'])
        """
        from .tiles.arrays import tiles_of

        ds = self._obj
        names = variables or [v for v in ds.data_vars if ds[v].dims[-2:] == ("y", "x")]
        return xr.Dataset(
            {name: tiles_of(ds[name], size, stride=stride, edge=edge) for name in names}
        )

    def metrics(
        self, recipe: Any = "greyscale", *, tile_size: int | None = None, **options: Any
    ) -> xr.Dataset:
        """Metrics of the scenes' cloud mask (of ``recipe``); ``tile_size`` gives them
        per tile. Options as for :meth:`CloudorgArrayAccessor.metrics`.

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> ds = xr.Dataset({"greyscale": (("y", "x"), np.full((64, 64), 30, np.uint8))})
        >>> float(ds.cloudorg.metrics(metrics=["cloud_fraction"])["cloud_fraction"])
        0.0
        """
        return self.cloud_mask(recipe).cloudorg.metrics(tile_size=tile_size, **options)

    def embed(
        self,
        model: Any,
        *,
        tile_size: int = 256,
        stride: int | None = None,
        edge: str = "drop",
        channel: str = "rgb",
        batch_size: int = 64,
        device: str = "auto",
    ) -> xr.DataArray:
        """Embeddings of the tiles of one channel variable (default ``rgb``).

        Examples
        --------
        >>> import numpy as np, xarray as xr
        >>> import cloudorg
        >>> from cloudorg.models import ModelConfig, build_embedder
        >>> model = build_embedder(ModelConfig(width=4, embedding_dim=8))
        >>> rgb = np.zeros((3, 128, 128), np.uint8)
        >>> scenes = xr.Dataset({"rgb": (("band", "y", "x"), rgb)}, coords={"band": list("RGB")})
        >>> scenes.cloudorg.embed(model, tile_size=64).sizes
        Frozen({'tile': 4, 'embedding': 8})
        """
        tiles = self._obj[channel].cloudorg.tiles(tile_size, stride=stride, edge=edge)
        return tiles.cloudorg.embed(model, batch_size=batch_size, device=device)
