"""Derived groups of a campaign store (tile tables, triplets, metrics, embeddings, class
probabilities, analyses): the one way any stage writes its results and resumes.

A derived group is a dataset along a row dimension (``tile``, ``triplet``, ...). Its
attributes say what it is and how far it got:

``complete``
    1 once every row is written; 0 while a writer is at work (or was interrupted).
``generation``
    A token that changes whenever a writer starts changing the group: a digest of the
    content a writer is about to write (the dataset written whole, or the identity and
    row digests of a group written in blocks; random when overwriting), so that a rerun
    that changes nothing writes nothing and a resumed group ends as an uninterrupted one.
identity attributes
    The parameters that define the content (the model id, the mask recipe, the tiling,
    ...). A run with other parameters is refused with
    :class:`~cloudorg.errors.OtherResultsError` unless it may overwrite.
``block_rows``, ``block_digests``, ``completed_blocks``
    For groups written in blocks: rows per block (the zarr chunk along the row dim, so two
    writers never touch one chunk), a digest of each block's row coordinates, and the
    blocks whose values are written.

Writing in blocks (:meth:`DerivedGroup.begin`): the committing process sizes the group
for all rows, writes the row coordinates, and records which blocks are still valid: a
block is kept when it was completed and its rows' digest is unchanged, so a group
follows a growing tile table (new scenes add rows) without redoing old blocks. Workers
then write blocks straight into the group (:meth:`BlockTarget.write`); the committing
process records each finished block (:meth:`BlockWriter.mark_done`) and finally sets
``complete``. A small group is written whole by the committing process
(:meth:`DerivedGroup.replace`).

Readers (:meth:`DerivedGroup.open`) accept a group only when it is complete, and check
that its ``generation`` is the same before and after loading it (a sequence lock): a
writer that started meanwhile makes them read again, so they never return a mix of two
versions. Plain xarray readers can check ``complete`` themselves.

Examples
--------
>>> import tempfile, numpy as np, xarray as xr
>>> from cloudorg.synthetic.stores import example_store
>>> store = example_store(tempfile.mkdtemp() + "/c.zarr", 1)
>>> group = store.group("tiles/demo")
>>> with store.writing():
...     group.replace(xr.Dataset({"a": ("tile", [1, 2])}), {"tile_size": 64})
>>> group.open("")["a"].values.tolist(), group.attrs()["complete"]
([1, 2], 1)
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
import zarr

from ..errors import OtherResultsError, StoreError
from .arrays import encoded, leading_arrays, quiet_zarr
from .failpoints import failpoint
from .location import StoreLocation

if TYPE_CHECKING:
    from .campaign import CampaignStore

__all__ = ["BlockTarget", "BlockWriter", "DerivedGroup"]

_READ_ATTEMPTS = 8
_RETRY_S = 0.05


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _differences(stored: Mapping[str, Any], identity: Mapping[str, Any]) -> dict[str, tuple]:
    return {k: (stored.get(k), v) for k, v in identity.items() if _jsonable(stored.get(k)) != v}


def _portable(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width strings as variable-length ones (the former have no zarr v3 spec)."""
    return ds.assign({v: ds[v].astype(object) for v in ds.variables if ds[v].dtype.kind == "U"})


def _hashed(h: Any, values: np.ndarray) -> None:
    values = np.asarray(values)
    h.update(f"{values.dtype}{values.shape}".encode())
    if values.dtype.kind in "OUT":
        h.update("\0".join(map(str, values.ravel())).encode())
    else:
        h.update(np.ascontiguousarray(values).tobytes())


def _content_digest(ds: xr.Dataset, attrs: Mapping[str, Any]) -> str:
    """A digest of a dataset's variables and of attributes (by content, wherever the
    arrays came from)."""
    h = hashlib.sha1(json.dumps(_jsonable(dict(attrs)), sort_keys=True, default=str).encode())
    for name in sorted(ds.variables, key=str):
        h.update(f"{name}{ds[name].dims}".encode())
        _hashed(h, ds[name].values)
    return h.hexdigest()


def _block_digests(ds: xr.Dataset, dim: str, block_rows: int) -> list[str]:
    """A digest of the row coordinates of each block of ``block_rows`` rows."""
    n = ds.sizes[dim]
    columns = [np.asarray(ds[c].values) for c in sorted(ds.coords) if ds[c].dims == (dim,)]
    digests = []
    for start in range(0, n, block_rows):
        h = hashlib.sha1(str(min(block_rows, n - start)).encode())
        for col in columns:
            _hashed(h, col[start : start + block_rows])
        digests.append(h.hexdigest())
    return digests


class DerivedGroup:
    """One derived group of a store (see the module docstring).

    Obtain it with :meth:`CampaignStore.group`.
    """

    def __init__(self, store: CampaignStore, path: str) -> None:
        self.store = store
        self.path = path

    def __repr__(self) -> str:
        return f"DerivedGroup({self.store.url!r}, {self.path!r})"

    # -- reading --------------------------------------------------------------------------
    def attrs(self) -> dict[str, Any] | None:
        """The group's attributes, read afresh; None when the group does not exist.

        Examples
        --------
        >>> import tempfile
        >>> from cloudorg.synthetic.stores import example_store
        >>> example_store(tempfile.mkdtemp() + "/c.zarr", 1).group("tiles/x").attrs() is None
        True
        """
        location = self.store.location
        if self.store.zarr_format == 3:
            meta = location.read_json(f"{self.path}/zarr.json")
            if meta is None or meta.get("node_type") != "group":
                return None
            return dict(meta.get("attributes", {}))
        if location.read_json(f"{self.path}/.zgroup") is None:
            return None
        return dict(location.read_json(f"{self.path}/.zattrs") or {})

    def _consolidated(self, attrs: Mapping[str, Any]) -> bool:
        """Whether the consolidated metadata holds this version of the group."""
        seen = self.store.consolidated_attrs(self.path)
        return seen is not None and all(
            seen.get(k) == attrs.get(k) for k in ("complete", "generation")
        )

    def _ensure_consolidated(self) -> None:
        """Consolidate the group if readers would see an older version of it (a writer
        killed between finishing the group and consolidating)."""
        attrs = self.attrs()
        if attrs is not None and not self._consolidated(attrs):
            self.store.consolidate(self.path)

    def open(self, hint: str, *, load: bool = True) -> xr.Dataset:
        """The complete group (loaded, or lazily with ``load=False``).

        Raises
        ------
        StoreError
            When the group is absent or incomplete (the message ends with ``hint``), or is
            rewritten by another process during every read attempt (a group found
            incomplete or changed while being read is read again a few times first).
        """
        state = "no group"
        for _ in range(_READ_ATTEMPTS):
            before = self.attrs()
            if before is None:
                break
            state = "an incomplete group"
            if not before.get("complete"):
                time.sleep(_RETRY_S)  # perhaps a writer replacing it: look again
                continue
            try:
                with quiet_zarr():
                    ds = xr.open_zarr(self.store.location.zarr_store(read_only=True),
                                      group=self.path, consolidated=self._consolidated(before),
                                      chunks=None if load else {})  # fmt: skip
                    if load:
                        ds = ds.load()
            except (FileNotFoundError, KeyError, zarr.errors.GroupNotFoundError):
                ds = None  # replaced while being read
            after = self.attrs()
            if (
                ds is not None
                and after is not None
                and after.get("complete")
                and (after.get("generation") == before.get("generation"))
            ):
                return ds.assign(
                    {v: ds[v].astype(object) for v in ds.variables if ds[v].dtype.kind == "T"}
                )
            state = "a group rewritten by another process while being read:"
            time.sleep(_RETRY_S)
        raise StoreError(f"{self.store.url}: {state} {self.path}; {hint}")

    # -- writing a whole group ------------------------------------------------------------
    def replace(self, ds: xr.Dataset, identity: Mapping[str, Any] | None = None) -> None:
        """Write ``ds`` as the group, replacing whatever was there (committing process).

        The group is marked incomplete with a new generation before anything of it
        changes, and complete when all of it is written; then the store is consolidated.
        """
        self.store.require_writer()
        attrs = {**ds.attrs, **_jsonable(dict(identity or {}))}
        generation = _content_digest(ds, attrs)
        stored = self.attrs()
        if stored and stored.get("complete") and stored.get("generation") == generation:
            self._ensure_consolidated()
            return  # the group holds this dataset already
        attrs.update(complete=0, generation=generation)
        location = self.store.location
        with quiet_zarr():
            self._parents()
            self._clear(generation)
            _portable(ds).assign_attrs(attrs).to_zarr(
                location.zarr_store(), group=self.path, mode="a", consolidated=False,
                zarr_format=self.store.zarr_format,
            )  # fmt: skip
        failpoint("group-written")
        self._set(complete=1)
        self.store.consolidate(self.path)

    # -- writing in blocks ----------------------------------------------------------------
    def begin(
        self,
        template: xr.Dataset,
        identity: Mapping[str, Any],
        *,
        dim: str,
        block_rows: int,
        overwrite: bool = False,
        hint: str = "pass overwrite=True (`--overwrite`) to replace them",
    ) -> BlockWriter:
        """Prepare the group for writing ``template``'s rows in blocks (committing process).

        Parameters
        ----------
        template : xarray.Dataset
            The group to be: data variables lazily (dask) with their final shape, dtype
            and attributes, row coordinates with their values, attributes.
        identity : mapping
            Attributes that define the content; a group holding other values is replaced
            with ``overwrite`` and refused otherwise.
        dim : str
            The row dimension.
        block_rows : int
            Rows per block and per zarr chunk along ``dim``.
        overwrite : bool
            Start afresh whatever the group holds.
        hint : str
            End of the message refusing other results.

        Returns
        -------
        BlockWriter
            What is still to do, and the target the workers write to.

        Raises
        ------
        OtherResultsError
            When the group holds results of another identity and ``overwrite`` is not set.
        """
        self.store.require_writer()
        identity = _jsonable(dict(identity, block_rows=int(block_rows)))
        digests = _block_digests(template, dim, block_rows)
        generation = (
            uuid.uuid4().hex
            if overwrite
            else _content_digest(xr.Dataset(), {"identity": identity, "digests": digests})
        )
        stored = self.attrs()
        keep: list[int] = []
        variables = [v for v in template.data_vars if dim in template[v].dims]
        target = BlockTarget(self.store.location, self.path, dim, int(block_rows),
                             int(template.sizes[dim]), tuple(variables))  # fmt: skip
        if stored is not None and not overwrite:
            differ = _differences(stored, identity)
            if differ:
                shown = ", ".join(f"{k}: {a!r} in the store, {b!r} now" for k, (a, b) in
                                  differ.items())  # fmt: skip
                raise OtherResultsError(
                    f"{self.store.url}: {self.path} holds results of another configuration "
                    f"({shown}); {hint}"
                )
            old = list(stored.get("block_digests", []))
            done = set(stored.get("completed_blocks", []))
            keep = [b for b in sorted(done) if b < min(len(old), len(digests))
                    and old[b] == digests[b]]  # fmt: skip
            if stored.get("complete") and stored.get("generation") == generation:
                return BlockWriter(self, target, set(keep))  # nothing changes
        attrs = {
            **template.attrs,
            **identity,
            "block_digests": digests,
            "completed_blocks": keep,
            "n_rows": int(template.sizes[dim]),
            "complete": 0,
            "generation": generation,
        }
        with quiet_zarr():
            self._parents()
            if not keep or not self._grow(template, attrs, dim):
                keep = []
                self._create(template, dict(attrs, completed_blocks=[]), dim, block_rows,
                             variables)  # fmt: skip
        failpoint("group-begun")
        return BlockWriter(self, target, set(keep))

    def _parents(self) -> None:
        parent = self.path.rpartition("/")[0]
        if parent:
            root = zarr.open_group(self.store.location.zarr_store(), mode="r+",
                                   use_consolidated=False)  # fmt: skip
            root.require_group(parent)

    def _mark_incomplete(self, generation: str) -> None:
        if self.attrs() is not None:
            self._set(complete=0, generation=generation)

    def _clear(self, generation: str) -> None:
        """Mark the group incomplete and remove its arrays, keeping the group itself (so
        that readers find it being written, not gone)."""
        if self.attrs() is None:
            return
        self._mark_incomplete(generation)
        group = zarr.open_group(self.store.location.zarr_store(), path=self.path, mode="r+",
                                use_consolidated=False)  # fmt: skip
        for name in [name for name, _ in group.members()]:
            self.store.location.delete(f"{self.path}/{name}")

    def _create(
        self, template: xr.Dataset, attrs: dict, dim: str, block_rows: int, variables: list
    ) -> None:
        self._mark_incomplete(attrs["generation"])
        encoding = {}
        for name in variables:
            var = template[name]
            chunks = tuple(block_rows if d == dim else n for d, n in var.sizes.items())
            encoding[name] = {"chunks": chunks}
            if var.dtype.kind == "f":
                encoding[name]["_FillValue"] = np.nan
        _portable(template).assign_attrs(attrs).to_zarr(
            self.store.location.zarr_store(), group=self.path, mode="w", compute=False,
            consolidated=False, encoding=encoding, zarr_format=self.store.zarr_format,
        )  # fmt: skip

    def _grow(self, template: xr.Dataset, attrs: dict, dim: str) -> bool:
        """Resize an existing group to the template's rows and write its row coordinates;
        False (nothing done) when the group lacks a variable of the template."""
        group = zarr.open_group(self.store.location.zarr_store(), path=self.path, mode="r+",
                                use_consolidated=False)  # fmt: skip
        along = [v for v in template.variables if dim in template[v].dims]
        if not set(along) <= {name for name, _ in group.arrays()}:
            return False
        group.update_attributes({"complete": 0, "generation": attrs["generation"]})
        n = template.sizes[dim]
        for array in leading_arrays(group, dim):
            if array.shape[0] != n:
                array.resize((n, *array.shape[1:]))
            name = array.basename
            if name in template.coords and template[name].dims == (dim,):
                array[:] = encoded(array, template[name].values)
        group.update_attributes(attrs)
        return True

    def _set(self, **attrs: Any) -> None:
        group = zarr.open_group(self.store.location.zarr_store(), path=self.path, mode="r+",
                                use_consolidated=False)  # fmt: skip
        group.update_attributes(_jsonable(attrs))


@dataclass(frozen=True)
class BlockTarget:
    """Where the blocks of a group go; sent to the workers that write them.

    Attributes
    ----------
    location : StoreLocation
        The store.
    path : str
        The group.
    dim : str
        The row dimension.
    block_rows : int
        Rows per block.
    n_rows : int
        Rows of the group.
    variables : tuple of str
        The group's variables along ``dim``.
    """

    location: StoreLocation
    path: str
    dim: str
    block_rows: int
    n_rows: int
    variables: tuple[str, ...]

    @property
    def n_blocks(self) -> int:
        """Blocks of the group."""
        return -(-self.n_rows // self.block_rows)

    def rows(self, block: int) -> slice:
        """The rows of a block."""
        start = block * self.block_rows
        return slice(start, min(start + self.block_rows, self.n_rows))

    def write(self, block: int, values: Mapping[str, np.ndarray]) -> int:
        """Write one block's values of every variable (on a worker); returns its rows.

        Raises
        ------
        StoreError
            When a variable is missing or has another number of rows.
        """
        rows = self.rows(block)
        n = rows.stop - rows.start
        missing = set(self.variables) - set(values)
        if missing:
            raise StoreError(
                f"{self.location}: block {block} of {self.path} lacks {sorted(missing)}"
            )
        with quiet_zarr():
            group = zarr.open_group(self.location.zarr_store(), path=self.path, mode="r+",
                                    use_consolidated=False)  # fmt: skip
            for name in self.variables:
                data = np.asarray(values[name])
                if data.shape[0] != n:
                    raise StoreError(f"{self.location}: block {block} of {self.path}: {name} has "
                                     f"{data.shape[0]} rows, expected {n}")  # fmt: skip
                array = group[name]
                array[rows] = data.astype(array.dtype, copy=False)
        failpoint("block-written")
        return n


class BlockWriter:
    """The committing process's side of a group written in blocks."""

    def __init__(self, group: DerivedGroup, target: BlockTarget, done: set[int]) -> None:
        self.group = group
        self.target = target
        self.done = done

    def todo(self) -> list[int]:
        """Blocks still to write, in order."""
        return [b for b in range(self.target.n_blocks) if b not in self.done]

    def mark_done(self, blocks: Iterable[int]) -> None:
        """Record finished blocks in the group (a rerun keeps them)."""
        self.group.store.require_writer()
        self.done.update(int(b) for b in blocks)
        with quiet_zarr():
            self.group._set(completed_blocks=sorted(self.done))
        failpoint("block-recorded")

    def finish(self, attrs: Mapping[str, Any] | None = None) -> None:
        """Mark the group complete (every block must be done) and consolidate the store.

        Raises
        ------
        StoreError
            When blocks are missing.
        """
        missing = self.todo()
        if missing:
            raise StoreError(f"{self.group.store.url}: {self.group.path}: blocks {missing} "
                             "are not written")  # fmt: skip
        self.group.store.require_writer()
        stored = self.group.attrs() or {}
        if stored.get("complete") and not attrs:
            self.group._ensure_consolidated()
            return  # a rerun with nothing to do
        with quiet_zarr():
            self.group._set(**dict(attrs or {}), complete=1)
        self.group.store.consolidate(self.group.path)
