"""Where a campaign store lives: a local directory or an object-store URL.

A :class:`StoreLocation` is a URL (``s3://bucket/campaign.zarr``, ``gs://...``,
``file:///data/campaign.zarr``) or a local path, with fsspec storage options. It gives the
zarr store of the location (zarr's ``LocalStore`` for local paths, its ``FsspecStore`` for
URLs) and reads and writes the store's own small objects (manifest, writer lease) with the
two operations a commit protocol needs on object storage: an atomic replace (a local
rename, an object PUT) and a conditional write (create only if absent, replace only if
unchanged: S3's ``If-None-Match``/``If-Match``).

Storage options come from the caller and, through fsspec and botocore, from the usual
environment variables (``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``FSSPEC_S3_*``, ...). A
location pickles as its URL and options, so Dask workers open the store themselves.

Examples
--------
>>> import tempfile
>>> loc = StoreLocation(tempfile.mkdtemp() + "/c.zarr")
>>> loc.is_local, loc.read_json("manifest.json") is None
(True, True)
>>> _ = loc.write_json("manifest.json", {"scenes": []})
>>> loc.read_json("manifest.json")
{'scenes': []}
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import ConfigError, StoreError

__all__ = ["StoreLocation", "VersionMismatch"]

_REMOTE_HINT = (
    "install the fsspec implementation of the protocol (s3fs for s3://, gcsfs for gs://, "
    "adlfs for az://)"
)


class VersionMismatch(StoreError):
    """A conditional write found the object created or changed by someone else."""


def _protocol(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else "file"


class StoreLocation:
    """A campaign store's place: local path or object-store URL, with storage options.

    Parameters
    ----------
    url : str or path
        Local path, ``file://`` URL or object-store URL (any fsspec protocol).
    storage_options : mapping, optional
        Passed to the fsspec filesystem (credentials, ``endpoint_url``, ...).

    Examples
    --------
    >>> StoreLocation("s3://bucket/c.zarr", {"anon": True}).url
    's3://bucket/c.zarr'
    >>> StoreLocation("file:///tmp/c.zarr").url
    '/tmp/c.zarr'
    """

    def __init__(
        self, url: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
    ) -> None:
        if not isinstance(url, str | os.PathLike):
            raise ConfigError(f"store: expected a path or URL, got {url!r}")
        text = os.fspath(url)
        if not text:
            raise ConfigError("store: expected a path or URL, got an empty string")
        protocol = _protocol(text)
        if protocol in ("file", "local"):
            text = str(Path(text.split("://", 1)[-1]).expanduser().absolute())
            protocol = "file"
        self.url = text.rstrip("/") if protocol != "file" else text
        self.protocol = protocol
        self.storage_options = dict(storage_options or {})

    # -- identity and pickling ------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, ...]:
        return (StoreLocation, (self.url, self.storage_options))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoreLocation) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"StoreLocation({self.url!r})"

    def __str__(self) -> str:
        return self.url

    @property
    def key(self) -> tuple[str, str]:
        """URL and storage options as a hashable value."""
        return self.url, json.dumps(self.storage_options, sort_keys=True, default=str)

    @property
    def is_local(self) -> bool:
        """Whether the store is a directory of this machine's file system."""
        return self.protocol == "file"

    @property
    def path(self) -> Path:
        """The local directory of the store.

        Raises
        ------
        StoreError
            For an object-store URL, which has no local path.
        """
        if not self.is_local:
            raise StoreError(f"{self.url}: a store in object storage has no local path")
        return Path(self.url)

    # -- file systems ---------------------------------------------------------------------
    @cached_property
    def fs(self) -> Any:
        """The fsspec filesystem of the location (synchronous API)."""
        import fsspec

        try:
            return fsspec.filesystem(self.protocol, **self.storage_options)
        except (ImportError, ValueError) as err:
            raise StoreError(f"{self.url}: cannot open protocol {self.protocol!r} ({err}); "
                             f"{_REMOTE_HINT}") from err  # fmt: skip

    @property
    def root(self) -> str:
        """The store's path inside :attr:`fs`."""
        return self.url if self.is_local else self.fs._strip_protocol(self.url)

    def child(self, name: str) -> str:
        """The filesystem path of an object of the store (``manifest.json``)."""
        return f"{self.root}/{name}"

    def zarr_store(self, *, read_only: bool = False) -> Any:
        """A zarr store of the location (cached per process).

        Examples
        --------
        >>> import tempfile
        >>> type(StoreLocation(tempfile.mkdtemp()).zarr_store()).__name__
        'LocalStore'
        """
        return _zarr_store(self, read_only)

    # -- small objects --------------------------------------------------------------------
    def exists(self, name: str = "") -> bool:
        """Whether the store (or one of its objects) exists."""
        path = self.child(name) if name else self.root
        if self.is_local:
            return os.path.exists(path)
        return bool(self.fs.exists(path))

    def is_empty(self) -> bool:
        """Whether nothing is stored at the location (absent or an empty directory)."""
        if self.is_local:
            path = self.path
            if path.exists() and not path.is_dir():
                raise StoreError(f"{path}: a file, not a store directory")
            return not path.exists() or not any(path.iterdir())
        self.fs.invalidate_cache(self.root)
        return not self.fs.exists(self.root) or not self.fs.ls(self.root, detail=False)

    def read_bytes(self, name: str) -> bytes | None:
        """The content of an object, or None when absent."""
        try:
            if self.is_local:
                return Path(self.child(name)).read_bytes()
            return self.fs.cat_file(self.child(name))
        except FileNotFoundError:
            return None
        except OSError as err:
            raise StoreError(f"{self.child(name)}: cannot read ({err})") from err

    def read_json(self, name: str) -> Any:
        """A JSON object of the store, or None when absent.

        Raises
        ------
        StoreError
            When it exists but is not JSON.
        """
        data = self.read_bytes(name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except json.JSONDecodeError as err:
            raise StoreError(f"{self.url}/{name}: not JSON ({err})") from err

    def version(self, name: str) -> str | None:
        """A token that changes whenever the object changes (an ETag; a content hash for
        local files), or None when absent."""
        if self.is_local:
            data = self.read_bytes(name)
            return None if data is None else hashlib.sha256(data).hexdigest()
        try:
            info = self.fs.info(self.child(name), refresh=True)
        except FileNotFoundError:
            return None
        return str(info.get("ETag") or info.get("etag") or info.get("generation") or "")

    def write_json(
        self, name: str, payload: Any, *, create: bool = False, match: str | None = None
    ) -> str:
        """Write a JSON object in one atomic step (a rename locally, one PUT remotely).

        Parameters
        ----------
        name : str
            Object name inside the store.
        payload : object
            JSON-able value.
        create : bool
            Only if the object does not exist yet.
        match : str, optional
            Only if the object's :meth:`version` is this token.

        Returns
        -------
        str
            The object's new :meth:`version`.

        Raises
        ------
        VersionMismatch
            When ``create`` or ``match`` does not hold.
        """
        return self.write_bytes(name, json.dumps(payload, indent=1, sort_keys=True).encode(),
                                create=create, match=match)  # fmt: skip

    def write_bytes(
        self, name: str, data: bytes, *, create: bool = False, match: str | None = None
    ) -> str:
        """Write an object in one atomic step; see :meth:`write_json`."""
        if self.is_local:
            self._write_local(name, data, create, match)
            return hashlib.sha256(data).hexdigest()
        return self._write_remote(name, data, create, match)

    def _write_local(self, name: str, data: bytes, create: bool, match: str | None) -> None:
        path = Path(self.child(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        if match is not None and self.version(name) != match:
            raise VersionMismatch(f"{path}: changed by another process")
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}", suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_UMASK)  # readable by colleagues, as zarr's own files
            if create:
                try:
                    os.link(tmp, path)  # fails when the name exists: an exclusive create
                except FileExistsError:
                    raise VersionMismatch(f"{path}: exists already") from None
            else:
                os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _write_remote(self, name: str, data: bytes, create: bool, match: str | None) -> str:
        path = self.child(name)
        kwargs: dict[str, Any] = {}
        if match is not None:
            if self.protocol not in ("s3", "s3a"):
                raise StoreError(f"{self.url}: conditional writes are implemented for S3 "
                                 f"object stores, not {self.protocol}://")  # fmt: skip
            kwargs["IfMatch"] = match
        try:
            out = self.fs.pipe_file(path, data, mode="create" if create else "overwrite", **kwargs)
        except FileExistsError:
            raise VersionMismatch(f"{self.url}/{name}: exists already") from None
        except OSError as err:
            if "pre-condition" in str(err).lower() or "precondition" in str(err).lower():
                raise VersionMismatch(f"{self.url}/{name}: changed by another process") from err
            raise StoreError(f"{self.url}/{name}: cannot write ({err})") from err
        etag = out.get("ETag") if isinstance(out, dict) else None
        return str(etag) if etag else str(self.version(name))

    def find(self, prefix: str, suffix: str = "") -> list[str]:
        """Names (relative to the store) of the objects under ``prefix`` ending in
        ``suffix``: one listing."""
        base = self.child(prefix)
        if self.is_local:
            found = [os.path.join(d, f) for d, _, files in os.walk(base) for f in files]
        else:
            try:
                found = self.fs.find(base)
            except FileNotFoundError:
                found = []
        start = len(self.root) + 1
        return sorted(p[start:] for p in found if p.endswith(suffix))

    def read_many(self, names: list[str]) -> dict[str, bytes]:
        """The contents of several objects (fetched concurrently from object storage)."""
        if not names:
            return {}
        if self.is_local:
            return {n: Path(self.child(n)).read_bytes() for n in names}
        paths = [self.child(n) for n in names]
        got = self.fs.cat(paths, on_error="omit")
        return {n: got[p] for n, p in zip(names, paths, strict=True) if p in got}

    def delete(self, name: str) -> None:
        """Remove an object (or a group's whole tree) of the store; absent is fine."""
        path = self.child(name)
        if self.is_local:
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                Path(path).unlink(missing_ok=True)
            return
        try:
            self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            pass

    def clear(self, keep: tuple[str, ...] = ()) -> None:
        """Remove every object of the store but ``keep`` (an interrupted creation)."""
        if self.is_local:
            names = os.listdir(self.root) if os.path.isdir(self.root) else []
        else:
            self.fs.invalidate_cache(self.root)
            names = [p.rsplit("/", 1)[-1] for p in self.fs.ls(self.root, detail=False)]
        for name in names:
            if name not in keep:
                self.delete(name)


def _process_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _process_umask()


_STORES: dict[tuple[tuple[str, str], bool], Any] = {}


def _zarr_store(location: StoreLocation, read_only: bool) -> Any:
    import zarr

    key = (location.key, read_only)
    if key not in _STORES:
        if location.is_local:
            _STORES[key] = zarr.storage.LocalStore(location.url, read_only=read_only)
        else:
            try:
                _STORES[key] = zarr.storage.FsspecStore.from_url(
                    location.url, storage_options=location.storage_options, read_only=read_only
                )
            except (ImportError, ValueError) as err:
                raise StoreError(f"{location.url}: cannot open ({err}); {_REMOTE_HINT}") from err
    return _STORES[key]
