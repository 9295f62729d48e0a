"""Test support: a local S3-compatible server, a proxy in front of it that counts
requests and injects faults, and archive buckets laid out like NOAA's and NASA's.

For cloudorg's own tests and benchmarks, and for anyone testing code that reads archives
or writes stores in object storage without a network. Needs the ``[dev]`` extra (moto's
server).

- :func:`local_s3_server`: moto's ``ThreadedMotoServer`` on 127.0.0.1 (as s3fs tests
  itself), the environment pointing every S3 client at it (``AWS_ENDPOINT_URL``, test
  credentials) for the duration, so Dask workers and subprocesses reach it too;
- :class:`CountingProxy`: an HTTP proxy on 127.0.0.1 that forwards to the server, counts
  requests and bytes per object key, and can fail chosen keys (a dropped connection or a
  503) a given number of times;
- :func:`publish`: upload files under their archive keys (public-read, as the NOAA open
  data buckets).

Examples
--------
>>> import s3fs
>>> with local_s3_server(), CountingProxy(os.environ["AWS_ENDPOINT_URL"]) as proxy:
...     s3fs.S3FileSystem().mkdir("bucket")
...     _ = s3fs.S3FileSystem().pipe("s3://bucket/key.txt", b"abc")
...     reader = s3fs.S3FileSystem(endpoint_url=proxy.endpoint, skip_instance_cache=True)
...     data = reader.cat("s3://bucket/key.txt")
>>> data, proxy.gets("bucket/key.txt")
(b'abc', 1)
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "S3_TEST_ENVIRONMENT",
    "CountingProxy",
    "environment",
    "fill_bucket",
    "local_s3_server",
    "publish",
]

S3_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "cloudorg-test",
    "AWS_SECRET_ACCESS_KEY": "cloudorg-test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Credentials and region of the test server (any values work with moto)."""


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration, restoring them afterwards.

    Examples
    --------
    >>> with environment(CLOUDORG_EXAMPLE="1"):
    ...     os.environ["CLOUDORG_EXAMPLE"]
    '1'
    >>> "CLOUDORG_EXAMPLE" in os.environ
    False
    """
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _clear_s3fs_instances() -> None:
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@contextlib.contextmanager
def local_s3_server() -> Iterator[str]:
    """An S3-compatible server (moto) on 127.0.0.1; yields its endpoint URL while the
    environment points S3 clients at it.

    Examples
    --------
    >>> with local_s3_server() as endpoint:
    ...     endpoint.startswith("http://127.0.0.1:"), os.environ["AWS_ENDPOINT_URL"] == endpoint
    (True, True)
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as err:  # pragma: no cover - the [dev] extra has it
        raise ImportError("the local S3 server needs moto: pip install 'cloudorg[dev]'") from err
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with environment(**S3_TEST_ENVIRONMENT, AWS_ENDPOINT_URL=endpoint):
            _clear_s3fs_instances()
            yield endpoint
    finally:
        server.stop()
        _clear_s3fs_instances()


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate", "expect"}  # fmt: skip


class CountingProxy:
    """An HTTP proxy on 127.0.0.1 in front of an S3 endpoint (path-style requests): it
    counts requests and response bytes per object key and fails chosen keys.

    Parameters
    ----------
    target : str
        The endpoint to forward to (``http://127.0.0.1:PORT``).

    Attributes
    ----------
    endpoint : str
        The proxy's own URL, to use as ``endpoint_url``.
    requests : collections.Counter
        ``(method, key)`` → requests seen (``key`` is ``bucket/path``).
    bytes_sent : collections.Counter
        ``key`` → bytes of response bodies of GET requests.

    Examples
    --------
    >>> with CountingProxy("http://127.0.0.1:9") as proxy:
    ...     proxy.endpoint.startswith("http://127.0.0.1:")
    True
    """

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.requests: Counter[tuple[str, str]] = Counter()
        self.bytes_sent: Counter[str] = Counter()
        self._faults: list[tuple[re.Pattern[str], str, int | None]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, pattern: str, mode: str = "drop", times: int | None = None) -> None:
        """Fail GET requests of keys matching ``pattern`` (a regular expression):
        ``drop`` closes the connection without an answer, ``error`` answers 503;
        ``times`` failures, or every time when None."""
        if mode not in ("drop", "error"):
            raise ValueError(f"mode: expected 'drop' or 'error', got {mode!r}")
        with self._lock:
            self._faults.append((re.compile(pattern), mode, times))

    def heal(self) -> None:
        """No more faults."""
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget the counts."""
        with self._lock:
            self.requests.clear()
            self.bytes_sent.clear()

    def gets(self, pattern: str = "") -> int:
        """GET requests of keys matching ``pattern``."""
        return sum(n for (m, k), n in self.requests.items() if m == "GET" and re.search(pattern, k))

    def _fault(self, method: str, key: str) -> str | None:
        if method != "GET":
            return None
        with self._lock:
            for i, (pattern, mode, times) in enumerate(self._faults):
                if pattern.search(key):
                    if times is not None:
                        if times <= 0:
                            continue
                        self._faults[i] = (pattern, mode, times - 1)
                    return mode
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                key = unquote(urlsplit(self.path).path.lstrip("/"))
                with proxy._lock:
                    proxy.requests[(self.command, key)] += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._fault(self.command, key)
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "error":
                    payload = b"<Error><Code>ServiceUnavailable</Code></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(*proxy.target, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}  # fmt: skip
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                upstream.close()
                self.send_response(response.status, response.reason)
                head = self.command == "HEAD"  # its Content-Length is the object's
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP and (
                        head or name.lower() != "content-length"
                    ):
                        self.send_header(name, value)
                if not head:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                    if self.command == "GET":
                        with proxy._lock:
                            proxy.bytes_sent[key] += len(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler


def publish(fs: Any, files: Iterable[str | os.PathLike[str]], bucket_url: str,
            key: Any) -> list[str]:  # fmt: skip
    """Upload files under their archive keys, readable by anyone (as NOAA's buckets).

    Parameters
    ----------
    fs : s3fs.S3FileSystem
        A client of the server.
    files : iterable of path
        Local files.
    bucket_url : str
        ``s3://bucket[/prefix]``; the bucket is created when absent.
    key : callable
        File name → key under ``bucket_url`` (e.g. ``ARCHIVES["goes16"].key``).

    Returns
    -------
    list of str
        The URLs of the uploaded files.
    """
    bucket = bucket_url.split("://", 1)[-1].split("/", 1)[0]
    if not fs.exists(bucket):
        fs.mkdir(bucket)
    urls = []
    for path in files:
        url = f"{bucket_url.rstrip('/')}/{key(Path(path).name)}"
        fs.put_file(str(path), url, ACL="public-read")
        urls.append(url)
    return urls


def fill_bucket(bucket: str, keys: Iterable[str]) -> int:
    """Create many empty objects at once in a bucket of the :func:`local_s3_server` of
    this process (written into the server's own store: thousands per second, where one
    PUT each takes milliseconds), for listing tests and benchmarks.

    Returns
    -------
    int
        Objects created.

    Examples
    --------
    >>> import s3fs
    >>> with local_s3_server():
    ...     s3fs.S3FileSystem().mkdir("many")
    ...     n = fill_bucket("many", (f"day/{i:04d}.nc" for i in range(2000)))
    ...     listed = len(s3fs.S3FileSystem().find("many/day/"))
    >>> n, listed
    (2000, 2000)
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    count = 0
    for key in keys:
        backend.put_object(bucket, key, b"")
        count += 1
    _clear_s3fs_instances()
    return count
