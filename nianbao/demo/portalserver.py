r"""A real HTTP server for fixture portals: a static site plus a government portal's habits.

Test and demo equipment: the demo serves the bundled sample portal with it, the
tests serve every fixture portal with it. No stage of the pipeline imports it.

Serves ``SITE_DIR`` on 127.0.0.1 with an ETag and Last-Modified on every file and
correct 304 answers, ``robots.txt`` from the site directory, and the per-site
behaviours declared in ``SITE_DIR/_site.yml``::

    charset: utf-8              # charset declared for .html (omit: none declared)
    redirects: {/old/: /new/, "/get?id=7": /a/b.pdf}   # 302 to the target (path, or path?query)
    status: {/gone.pdf: 404}    # answer with this status (and a small HTML body)
    soft_404: [/uploads/x.pdf]  # 200 + an HTML "页面不存在" page, the soft 404
    blocked: [/wall/]           # 412 + a $_ts challenge script (path prefixes)
    delay: {/slow.html: 5}      # sleep this many seconds before answering (timeouts)
    headers: {/busy.html: {Retry-After: "1"}}   # extra headers on that path's answers
    downloads:                  # Content-Disposition endpoints: the name only in the header
      /downfile.jsp:            # ?filename=KEY (or ?id=KEY)
        KEY: {file: files/a.pdf, name: 2023年…年度报告.pdf}   # RFC 5987 filename*=
        K2: {file: files/b.pdf, name: 年报.pdf, encoding: gbk}  # raw GBK bytes in filename=
    dynamic:                    # pages that change on every request, as CMS detail pages do
      prefixes: [/art/]         # their paths; answered without ETag / Last-Modified
      replace: {'(<span id="visits">)\d+': '\g<1>{visits}'}   # bytes regex → template with
                                # {visits} (a counter per path), {now} (the clock), {token} (random hex)
    jpage:                      # Hanweb (大汉) dataproxy.jsp: GET or POST, fields in query or form body
      /module/web/jpage/dataproxy.jsp:
        "1229": ["<li><a href=…>…</a></li>", …]   # columnid → the column's full record list;
                                # the server answers records startrecord…endrecord as <datastore> XML
    postback:                   # ASP.NET WebForms listings: GET gives page 1, a form POST another page
      /gk/list.aspx: [_pages/1.html, _pages/2.html]   # the pages' files; the POST must carry the
                                # page's __VIEWSTATE ("page:N", base64) and __EVENTTARGET; __EVENTARGUMENT
                                # is the page number (AspNetPager), or empty for "next" (page N+1)
    json_api:                   # paged JSON listing APIs (广东 gkmlpt style): ?page=N (1-based)
      /gkmlpt/api/all/2849: {file: _api/2849.json, per_page: 5}   # the file: the full item list;
                                # answers {"articles": [page N's items], "total", "page", "per_page"}

Files and folders whose name starts with ``_`` are never served. Every request is
kept in ``server.requests`` (method, path, headers, status, bytes sent, when it
``started`` and ``ended``, in epoch seconds) so tests
can assert what was fetched and how; ``--log FILE`` also appends it as JSON lines.

    with PortalServer(site_dir) as server:
        server.url   # http://127.0.0.1:PORT/

    python -m nianbao.demo.portalserver SITE_DIR --port 8000
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import mimetypes
import posixpath
import re
import secrets
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

SOFT_404_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>404 页面不存在</h1><p>您访问的页面不存在或已被删除。</p>"
    '<p><a href="/">返回首页</a></p></body></html>'
)
CHALLENGE_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8">'
    '<script type="text/javascript">$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=12345;</script>'
    '<script type="text/javascript" src="/abc.js" r="m"></script></head><body></body></html>'
)
TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".aspx": "text/html",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".wps": "application/vnd.ms-works",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".ofd": "application/ofd",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "application/javascript",
}


def load_site_config(site_dir: Path) -> dict:
    path = site_dir / "_site.yml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class QuietHTTPServer(ThreadingHTTPServer):
    """A client hanging up mid-answer (a cancelled download) is normal, not an error to print."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class PortalServer:
    """A fixture portal on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(self, site_dir: str | Path, port: int = 0, host: str = "127.0.0.1", log_path: str | Path | None = None):
        self.site_dir = Path(site_dir).resolve()
        if not self.site_dir.is_dir():
            raise FileNotFoundError(f"{self.site_dir}: no such site directory")
        self.host = host
        self.port = port
        self.log_path = Path(log_path) if log_path else None
        self.requests: list[dict] = []
        self.visits: dict[str, int] = {}  # requests per dynamic page
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> dict:
        # Re-read on every request so a test can change behaviour between crawls.
        return load_site_config(self.site_dir)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> "PortalServer":
        handler = type("Handler", (PortalHandler,), {"portal": self})
        self._httpd = QuietHTTPServer((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="portalserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "PortalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as fp:
                    fp.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def requested_paths(self) -> list[str]:
        """Paths (with query) requested so far, in order."""
        with self._lock:
            return [entry["path"] for entry in self.requests]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()


class PortalHandler(BaseHTTPRequestHandler):
    """Serve one request of the fixture portal."""

    portal: PortalServer
    server_version = "FixturePortal/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the request log is the record
        pass

    def do_HEAD(self):
        self._form = {}
        self.handle_request(send_body=False)

    def do_GET(self):
        self._form = {}  # keep-alive: no form left over from an earlier POST
        self.handle_request(send_body=True)

    def do_POST(self):
        # Only dataproxy.jsp reads the form; elsewhere a POST is answered like a GET.
        length = int(self.headers.get("Content-Length") or 0)
        self._form = parse_qs(self.rfile.read(length).decode("utf-8", "replace")) if length else {}
        self.handle_request(send_body=True)

    # -- dispatch -------------------------------------------------------------------

    def handle_request(self, send_body: bool) -> None:
        self._sent = 0
        self._status = 0
        self._logged = False
        self._started = time.time()
        self.send_body = send_body
        config = self.portal.config
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        try:
            self.dispatch(config, path, query)
        finally:
            self.log_request_once()
            self._entry["ended"] = time.time()

    def log_request_once(self) -> None:
        """Log this request (before its body goes out, so the log is in the order clients saw answers)."""
        if self._logged:
            return
        self._logged = True
        self._entry = {
            "method": self.command,
            "path": self.path,
            "status": self._status,
            "bytes": self._sent,
            "headers": {key: value for key, value in self.headers.items()},
            "started": self._started,
        }
        self.portal.log(self._entry)

    def dispatch(self, config: dict, path: str, query: dict) -> None:
        delay = (config.get("delay") or {}).get(path)
        if delay:
            time.sleep(float(delay))
        self._extra_headers = (config.get("headers") or {}).get(path) or {}
        redirects = config.get("redirects") or {}
        target = redirects.get(unquote(self.path)) or redirects.get(path)
        if target:
            return self.reply(302, b"", extra={"Location": target})
        for prefix in config.get("blocked") or []:
            if path.startswith(prefix):
                return self.reply(412, CHALLENGE_PAGE.encode(), "text/html; charset=utf-8")
        statuses = {str(key): value for key, value in (config.get("status") or {}).items()}
        if path in statuses:
            code = int(statuses[path])
            body = f"<html><head><title>{code}</title></head><body><h1>{code}</h1></body></html>".encode()
            return self.reply(code, body, "text/html; charset=utf-8")
        if path in (config.get("soft_404") or []):
            return self.reply(200, SOFT_404_PAGE.encode(), "text/html; charset=utf-8")
        jpage = config.get("jpage") or {}
        if path in jpage:
            return self.serve_jpage(jpage[path] or {}, {**query, **self._form})
        postback = config.get("postback") or {}
        if path in postback:
            return self.serve_postback(postback[path] or [], config)
        json_api = config.get("json_api") or {}
        if path in json_api:
            return self.serve_json_api(json_api[path] or {}, query)
        downloads = config.get("downloads") or {}
        if path in downloads:
            key = (query.get("filename") or query.get("id") or query.get("fileid") or [""])[0]
            entry = (downloads[path] or {}).get(key)
            if not entry:
                return self.reply(200, SOFT_404_PAGE.encode(), "text/html; charset=utf-8")
            return self.serve_file(
                self.site_file(entry["file"], private_ok=True),
                download_name=entry.get("name"),
                name_encoding=entry.get("encoding"),
                config=config,
            )
        target = self.site_file(path)
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                return self.reply(301, b"", extra={"Location": path + "/"})
            target = target / "index.html"
        return self.serve_file(target, config=config)

    def site_file(self, path: str, private_ok: bool = False) -> Path | None:
        """The file under the site directory for ``path``; None when outside it or private."""
        clean = posixpath.normpath("/" + path.lstrip("/")).lstrip("/")
        if not private_ok and any(part.startswith("_") for part in clean.split("/") if part):
            return None
        target = (self.portal.site_dir / clean).resolve()
        if target != self.portal.site_dir and self.portal.site_dir not in target.parents:
            return None
        return target

    # -- answers --------------------------------------------------------------------

    def serve_file(
        self,
        target: Path | None,
        download_name: str | None = None,
        name_encoding: str | None = None,
        config: dict | None = None,
    ) -> None:
        if target is None or not target.is_file():
            body = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
            return self.reply(404, body, "text/html")
        data = target.read_bytes()
        dynamic = (config or {}).get("dynamic") or {}
        if any(self.path.startswith(prefix) for prefix in dynamic.get("prefixes") or []):
            data, validators = self.rewrite(data, dynamic.get("replace") or {}), {}
        else:
            etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
            mtime = int(target.stat().st_mtime)
            validators = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
            if self.not_modified(etag, mtime):
                return self.reply(304, b"", extra=validators)
        suffix = target.suffix.lower()
        content_type = TYPES.get(suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        charset = (config or {}).get("charset")
        if content_type.startswith("text/") and charset:
            content_type += f"; charset={charset}"
        extra = dict(validators)
        if download_name:
            if name_encoding:
                # Raw bytes in the header (GBK on old portals), as http.server sends latin-1.
                raw = download_name.encode(name_encoding).decode("latin-1")
                extra["Content-Disposition"] = f'attachment; filename="{raw}"'
            else:
                extra["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
            content_type = "application/octet-stream"
        self.reply(200, data, content_type, extra=extra)

    def rewrite(self, data: bytes, replacements: dict) -> bytes:
        """A dynamic page as this request sees it: counter, clock, token and ad filled anew."""
        with self.portal._lock:
            self.portal.visits[self.path] = self.portal.visits.get(self.path, 0) + 1
            visits = self.portal.visits[self.path]
        values = {"visits": str(1000 + visits), "now": time.strftime("%Y-%m-%d %H:%M:%S"), "token": secrets.token_hex(16)}
        for pattern, template in replacements.items():
            filled = template
            for name, value in values.items():
                filled = filled.replace("{" + name + "}", value)
            data = re.sub(pattern.encode(), filled.encode(), data, flags=re.S)
        return data

    def serve_jpage(self, columns: dict, fields: dict) -> None:
        """Answer a Hanweb dataproxy.jsp request: records startrecord…endrecord of the column.

        The server slices the column's record list itself, as the real endpoint does,
        so a crawler only finds the later records by asking with the right fields.
        """

        def field(name: str, default: str = "") -> str:
            for key, values in fields.items():
                if key.lower() == name.lower() and values:
                    return values[0]
            return default

        records = [str(record) for record in columns.get(field("columnid")) or []]
        try:
            start = max(1, int(field("startrecord", "1")))
            end = int(field("endrecord", str(start + int(field("perpage", "15")) - 1)))
        except ValueError:
            start, end = 1, 0
        chosen = records[start - 1 : max(start - 1, end)]
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<datastore>\n'
            f"<totalrecord>{len(records)}</totalrecord>\n<recordset>\n"
            + "".join(f"<record><![CDATA[\n{record}\n]]></record>\n" for record in chosen)
            + "</recordset>\n</datastore>\n"
        )
        self.reply(200, body.encode("utf-8"), "text/xml; charset=utf-8")

    def serve_postback(self, pages: list[str], config: dict) -> None:
        """An ASP.NET page: page 1 on GET; on POST the page the form asks for, if the form is the page's."""
        number = 1
        if self.command == "POST":
            form = {key: values[0] for key, values in self._form.items() if values}
            try:
                state = base64.b64decode(form.get("__VIEWSTATE", "")).decode()
                current = int(state.split(":", 1)[1]) if state.startswith("page:") else 0
            except (ValueError, UnicodeDecodeError):
                current = 0
            if not current or "__EVENTTARGET" not in form:
                body = b"<html><body><h1>Validation of viewstate MAC failed.</h1></body></html>"
                return self.reply(500, body, "text/html; charset=utf-8")
            argument = form.get("__EVENTARGUMENT", "")
            number = int(argument) if argument.isdigit() else current + 1
        if not 1 <= number <= len(pages):
            return self.reply(404, b"<html><body>no such page</body></html>", "text/html; charset=utf-8")
        self.serve_file(self.site_file(pages[number - 1], private_ok=True), config=config)

    def serve_json_api(self, entry: dict, query: dict) -> None:
        """A paged JSON listing: page N of the item list, with an ETag (and 304s) like a file."""
        items = json.loads(self.site_file(entry["file"], private_ok=True).read_text(encoding="utf-8"))
        per_page = int(entry.get("per_page", 10))
        try:
            number = max(1, int((query.get("page") or ["1"])[0]))
        except ValueError:
            number = 1
        chosen = items[(number - 1) * per_page : number * per_page]
        answer = {"articles": chosen, "total": len(items), "page": number, "per_page": per_page}
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304, b"", extra={"ETag": etag})
        self.reply(200, data, "application/json; charset=utf-8", extra={"ETag": etag})

    def not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110: If-None-Match wins; If-Modified-Since only counts without it."""
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = [tag.strip() for tag in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return mtime <= int(parsedate_to_datetime(ims).timestamp())
            except (TypeError, ValueError):
                return False
        return False

    def reply(self, status: int, body: bytes, content_type: str | None = None, extra: dict | None = None) -> None:
        self._status = status
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in {**(extra or {}), **getattr(self, "_extra_headers", {})}.items():
            self.send_header(key, str(value))
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        sending = self.send_body and status not in (204, 304) and bool(body)
        self._sent = len(body) if sending else 0
        self.log_request_once()
        self.end_headers()
        if sending:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m nianbao.demo.portalserver", description=__doc__.splitlines()[0])
    parser.add_argument("site_dir", type=Path, help="the site directory (with an optional _site.yml)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--log", type=Path, help="append every request to this file as JSON lines")
    args = parser.parse_args(argv)
    server = PortalServer(args.site_dir, port=args.port, log_path=args.log).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
