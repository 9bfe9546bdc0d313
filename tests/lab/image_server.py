"""An HTTP image server on loopback for tests: files the test changes, answered with ETag
and/or Last-Modified and honouring conditional GETs, as a real image server would.

    server = ImageServer(directory="/tmp/http_root")   # also serves a directory's files
    url = server.put("ipa.kernel", b"v1")              # or a file kept in memory
    ...
    server.statuses("ipa.kernel")                      # [200, 304, ...] per GET
    server.stop()
"""

import email.utils
import hashlib
import http.server
import os
import threading
import time

from tests.lab.server import free_port


class ImageServer:
    """Serves ``files`` (name -> bytes) and, when given, the files under ``directory``;
    records (path, status) of every GET. ``validators`` says which of ETag and
    Last-Modified it sends (none: a server that never answers 304)."""

    def __init__(
        self,
        validators: tuple[str, ...] = ("etag", "last-modified"),
        directory: str | None = None,
    ):
        self.files: dict[str, tuple[bytes, float]] = {}
        self.directory = directory
        self.validators = validators
        self.seen: list[tuple[str, int]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                found = server.lookup(self.path.lstrip("/"))
                if found is None:
                    server.seen.append((self.path, 404))
                    self.send_error(404)
                    return
                data, mtime = found
                etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
                modified = email.utils.formatdate(mtime, usegmt=True)
                headers = {}
                if "etag" in server.validators:
                    headers["ETag"] = etag
                if "last-modified" in server.validators:
                    headers["Last-Modified"] = modified
                fresh = False
                if "etag" in server.validators and self.headers.get("If-None-Match"):
                    fresh = self.headers["If-None-Match"] == etag
                elif "last-modified" in server.validators and self.headers.get("If-Modified-Since"):
                    since = email.utils.parsedate_to_datetime(self.headers["If-Modified-Since"])
                    fresh = int(mtime) <= since.timestamp()
                status = 304 if fresh else 200
                server.seen.append((self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0" if fresh else str(len(data)))
                self.end_headers()
                if not fresh:
                    self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def lookup(self, name: str) -> tuple[bytes, float] | None:
        if name in self.files:
            return self.files[name]
        if self.directory and ".." not in name.split("/"):
            path = os.path.join(self.directory, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    return f.read(), os.stat(path).st_mtime
        return None

    def put(self, name: str, data: bytes, age: float = 0) -> str:
        """Publish ``data`` as ``name``, modified ``age`` seconds ago (or now); its URL."""
        self.files[name] = (data, time.time() - age)
        return f"{self.url}/{name}"

    def statuses(self, name: str) -> list[int]:
        return [status for path, status in self.seen if path == f"/{name}"]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
