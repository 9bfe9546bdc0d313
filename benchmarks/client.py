"""A light HTTP client for benchmarks: one keep-alive connection per thread, no retries hidden.

``requests`` costs the client more CPU per call than ironic-lite spends serving it, which on a
2-core machine would measure the client; http.client keeps the measurement on the server.
"""

import http.client
import json
import threading
import time
from urllib.parse import urlsplit


class Client:
    def __init__(self, url: str, version: str = "latest", timeout: float = 300):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.base = url.rstrip("/")
        self.timeout = timeout
        self.headers = {
            "X-OpenStack-Ironic-API-Version": version,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._local = threading.local()
        self.retries = 0

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(
        self,
        method: str,
        path: str,
        body=None,
        ok=(200, 201, 202, 204),
        retry_on=(409, 503),
        max_tries: int = 100,
    ) -> tuple[int, bytes, float]:
        """Send one request (retrying 409/503 as the real clients do); return status,
        body and the seconds the last attempt took."""
        if path.startswith("http"):
            path = path[len(self.base) :]
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(1, max_tries + 1):
            conn = self._conn()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=self.headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == max_tries:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if resp.status in ok:
                return resp.status, payload, elapsed
            if resp.status in retry_on and attempt < max_tries:
                self.retries += 1
                time.sleep(min(0.05 * attempt, 1.0))
                continue
            raise RuntimeError(f"{method} {path} -> {resp.status}: {payload[:300]!r}")
        raise RuntimeError("unreachable")

    def json(self, method: str, path: str, body=None):
        return json.loads(self.request(method, path, body)[1] or b"null")

    def list_all(self, path: str, limit: int) -> tuple[list, int]:
        """Follow ``next`` links; return the items and the number of pages."""
        sep = "&" if "?" in path else "?"
        url, items, pages = f"{path}{sep}limit={limit}", [], 0
        while url:
            doc = self.json("GET", url)
            pages += 1
            key = next(k for k, v in doc.items() if isinstance(v, list))
            items.extend(doc[key])
            url = doc.get("next") if doc[key] else None
        return items, pages
