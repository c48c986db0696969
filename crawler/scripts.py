"""Run a listing page's inline scripts in a sandbox and tell where its pager leads.

Many listings announce their further pages only through script: TRS's
``createPageHTML(3, 0, "index", "html")`` (its arguments often variables), laypage's
``jump``, jQuery pagers' ``callback``/``onPageClick``, loops of ``document.write``, or a
shell whose script loads the list as JSON. Rather than a regex per form,
``run_listing_scripts`` runs the page's inline scripts in V8 (mini-racer) inside a
small fake browser: no network, no files, a time budget and a heap limit per page.
Functions the page's external libraries would have defined are observed: each name
a script finds undefined becomes a recording stub and the script is run again. The
recorded calls are then read by their shape, not their name:

* page count, current page, page name and extension (``createPageHTML``, 4 or 6
  arguments) → the TRS pages ``name.ext``, ``name_1.ext`` …;
* a page count (``PAGER_FIELDS``) with callbacks → each callback is called for every
  page, and where it navigates, what it fetches and what it writes is recorded.

The page's own top-level functions are observed the same way (its inline
``createPageHTML`` included), and still run as written.

Scripts' own effects are kept too: what they fetch (XHR, fetch, ``$.ajax``…), the
links they write, where they send the browser, and what ``javascript:``/``onclick``
anchors do when clicked. Pure: text in, findings out; never raises.
"""

from __future__ import annotations

import html
import json
import math
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

TIME_BUDGET = 1.0  # seconds of JavaScript per page, every step included
MEMORY_LIMIT = 64 * 1024 * 1024  # V8 heap bytes
SCRIPT_BYTES = 256 * 1024  # inline script text run per page
MAX_LINKS = 500
MAX_CLICKS = 60  # javascript:/onclick anchors clicked per page
# One page's scripts at a time: mini-racer starting V8 in two threads at once crashes the process.
_ENGINE = threading.Lock()

# Fields of a pager's configuration object, lower-cased. A page count is read from
# PAGES, else RECORDS ÷ PER_PAGE (DEFAULT_PER_PAGE when none, as laypage and
# jquery.pagination assume), the larger when two fields name one; CURRENT tells the
# current page and whether pages count from 0. A positional number is a page count, or a
# record count when PER_PAGE is set, and only beside a configuration object.
PAGER_FIELDS = {
    "pages": ["pages", "totalpages", "totalpage", "total_pages", "pagecount", "page_count", "countpage",
              "pagetotal", "maxpage", "pagenum_total", "totalpagenum", "allpage", "pagesize_total"],
    "records": ["count", "total", "totalcount", "total_count", "totalrecords", "totalrecord", "records",
                "recordcount", "totalrows", "totalnum", "totalsize", "items", "itemscount", "maxentries",
                "totalitems", "rowcount", "datacount"],
    "per_page": ["limit", "pagesize", "page_size", "perpage", "per_page", "items_per_page", "itemsonpage",
                 "rows", "size", "pagelimit", "numperpage", "showcount"],
    "current": ["curr", "pno", "current", "currentpage", "current_page", "curpage", "currpage", "pageindex",
                "page_index", "pageno", "page_no", "startpage", "nowpage", "cur", "page"],
}
DEFAULT_PER_PAGE = 10
# Callbacks under these keys count pages from 0 when no current page says otherwise
# (jquery.pagination's ``callback(page_index)``).
ZERO_BASED_CALLBACKS = ["callback"]
PAGE_EXTENSIONS = frozenset({"html", "shtml", "htm", "jsp", "php", "asp", "aspx", "do"})
PAGE_NAME = re.compile(r"[\w\-]+")

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.S)
ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.I | re.S)
ONCLICK = re.compile(r"<(?!a\b)(\w+)\b([^>]*\bonclick\s*=[^>]*)>([^<]*)", re.I | re.S)
BODY_ONLOAD = re.compile(r"<body\b[^>]*\bonload\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
TAG = re.compile(r"<[^>]*>")
JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "application/x-javascript",
                      "text/ecmascript", "application/ecmascript", "text/jscript", "text/livescript"})


@dataclass(frozen=True)
class ScriptFindings:
    """Where a page's scripts lead: listing pages, JSON/API URLs, written links, and why not."""

    pages: tuple[str, ...] = ()
    apis: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    error: str | None = None


def inline_scripts(html_text: str, limit: int = SCRIPT_BYTES) -> list[str]:
    """The page's inline JavaScript in document order (no ``src``, no data types), within ``limit`` chars."""
    scripts, total = [], 0
    for match in SCRIPT.finditer(html_text or ""):
        attributes = _attributes(match.group(1))
        code = match.group(2)
        if "src" in attributes or attributes.get("type", "").strip().lower() not in JS_TYPES or not code.strip():
            continue
        if total + len(code) > limit:
            continue
        scripts.append(code)
        total += len(code)
    return scripts


def run_listing_scripts(html_text: str, page_url: str, limit: int = 30) -> ScriptFindings:
    """What the inline scripts of the listing at ``page_url`` lead to (at most ``limit`` pages)."""
    scripts = inline_scripts(html_text)
    if not scripts:
        return ScriptFindings()
    try:
        from py_mini_racer import MiniRacer
    except ImportError as error:  # the dependency is declared; a broken install still only costs the pager
        return ScriptFindings(error=f"no JavaScript engine: {error}")
    onload = [html.unescape(m.group(1)[1:-1]) for m in BODY_ONLOAD.finditer(html_text)]
    try:
        with _ENGINE, MiniRacer() as racer:
            return _run(racer, scripts, onload, html_text, page_url, limit)
    except Exception as error:  # noqa: BLE001 - a page's script must never break the crawl
        return ScriptFindings(error=_one_line(f"{type(error).__name__}: {error}"))


def _run(racer, scripts: list[str], onload: list[str], html_text: str, page_url: str, limit: int) -> ScriptFindings:
    from py_mini_racer import JSOOMException, JSTimeoutException

    deadline = time.monotonic() + TIME_BUDGET
    racer.set_hard_memory_limit(MEMORY_LIMIT)
    racer.eval(ENVIRONMENT)
    parts = urlsplit(page_url)
    setup = {"href": page_url, "protocol": parts.scheme + ":", "host": parts.netloc, "hostname": parts.hostname or "",
             "port": str(parts.port or ""), "pathname": parts.path or "/", "search": f"?{parts.query}" if parts.query
             else "", "hash": f"#{parts.fragment}" if parts.fragment else "", "limit": limit, "fields": PAGER_FIELDS,
             "perPage": DEFAULT_PER_PAGE, "zeroBased": ZERO_BASED_CALLBACKS, "scripts": scripts, "onload": onload}
    racer.eval(f"__setup({json.dumps(setup)})")
    # Each script gets at most half of what is left, so one runaway script leaves time to the rest.
    steps = [f"__script({index})" for index in range(len(scripts))] + ["__settle()", "__pagers()"]
    error = None
    for number, step in enumerate(steps, start=1):
        left = deadline - time.monotonic()
        if left <= 0.01:
            error = error or f"out of time ({TIME_BUDGET:g} s) before step {number} of {len(steps)}"
            break
        try:
            racer.eval(step, timeout_sec=left / 2 if step.startswith("__script") else left)
        except JSTimeoutException:
            error = error or f"{step} ran out of time"
        except JSOOMException:
            return ScriptFindings(error=f"{step} reached the memory limit ({MEMORY_LIMIT >> 20} MB)")
    clicks = _clicks(html_text, json.loads(racer.eval("__report()"))["writes"])
    left = deadline - time.monotonic()
    if clicks and left > 0.01:
        try:
            racer.eval(f"__clicks({json.dumps(clicks)})", timeout_sec=left)
        except JSTimeoutException:
            error = error or "clicking the script anchors ran out of time"
        except JSOOMException:
            return ScriptFindings(error=f"clicking the script anchors reached the memory limit ({MEMORY_LIMIT >> 20} MB)")
    return _findings(json.loads(racer.eval("__report()")), page_url, limit, error)


def _findings(report: dict, page_url: str, limit: int, error: str | None) -> ScriptFindings:
    """Absolute, deduplicated findings from the sandbox's record."""
    pages = [relative for _name, args in report["calls"] for relative in trs_pages(args, limit)]
    pages += [url for url, kind, _text in report["navs"] if kind == "pager"]
    links = [(url, text) for written, _kind in report["writes"] for url, text, _code in anchors(written)]
    links += [(url, text) for url, kind, text in report["navs"] if kind != "pager"]
    return ScriptFindings(
        pages=tuple(_unique(_absolute(url, page_url) for url in pages))[:limit],
        apis=tuple(_unique(_absolute(api, page_url, keep_self=True) for api in report["apis"]))[: 2 * limit + 10],
        links=tuple(_unique((_absolute(url, page_url), text) for url, text in links if _absolute(url, page_url)))[
            :MAX_LINKS],
        error=error,
    )


def trs_pages(args: list, limit: int = 30) -> list[str]:
    """TRS pages named by a call shaped ``(…, count, current, "index", "html", …)``: index.html, index_1.html…

    Page 0 is ``name.ext``, page n ``name_n.ext``; the current page is left out.
    """
    for at in range(2, len(args) - 1):
        name, extension, count, current = args[at], args[at + 1], _integer(args[at - 2]), _integer(args[at - 1])
        if (isinstance(name, str) and PAGE_NAME.fullmatch(name) and isinstance(extension, str)
                and extension.lower() in PAGE_EXTENSIONS and count is not None and current is not None):
            numbers = [n for n in range(min(count, limit + 1)) if n != current][:limit]
            return [f"{name}.{extension}" if n == 0 else f"{name}_{n}.{extension}" for n in numbers]
    return []


def anchors(html_text: str) -> list[tuple[str, str, str]]:
    """(href, text, click code) of each anchor or onclick element in an HTML fragment.

    The href is "" for a ``javascript:`` one; the code is what clicking runs (its
    ``onclick``, then its ``javascript:`` URL).
    """
    found = []
    for match in ANCHOR.finditer(html_text):
        attributes = _attributes(match.group(1))
        href = attributes.get("href", "").strip()
        text = _text(match.group(2))
        code = [attributes["onclick"]] if "onclick" in attributes else []
        if href.lower().startswith("javascript:"):
            code.append(unquote(href[len("javascript:"):]))
            href = ""
        found.append((href, text, ";".join(code)))
    for match in ONCLICK.finditer(html_text):
        found.append(("", _text(match.group(3)), _attributes(match.group(2)).get("onclick", "")))
    return found


def _clicks(html_text: str, writes: list) -> list[list[str]]:
    """[code, text] of the anchors whose click runs script, on the page and in what the scripts wrote."""
    codes = [(code, text) for fragment in [html_text] + [written for written, _kind in writes]
             for _href, text, code in anchors(fragment) if code.strip() and not _no_op(code)]
    return [list(pair) for pair in _unique(codes)][:MAX_CLICKS]


def _no_op(code: str) -> bool:
    return re.fullmatch(r"\s*(?:void\s*\(?\s*0\s*\)?|;|return\s+false|false|undefined)?\s*;?\s*", code) is not None


def _attributes(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value[1:-1] if value[:1] in "\"'" else value)
            for name, value in ATTRIBUTE.findall(text)}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value == int(value) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _absolute(url: str, page_url: str, keep_self: bool = False) -> str:
    """``url`` made absolute against the page; "" for javascript:, off-scheme or (unless kept) the page itself."""
    url = (url or "").strip()
    if not url or url.lower().startswith(("javascript:", "#")):
        return ""
    absolute = urldefrag(urljoin(page_url, url))[0]
    if urlsplit(absolute).scheme not in ("http", "https"):
        return ""
    if not keep_self and absolute == urldefrag(page_url)[0]:
        return ""
    return absolute


def _unique(items):
    seen, kept = set(), []
    for item in items:
        if item and (item[0] if isinstance(item, tuple) else item) and item not in seen:
            seen.add(item)
            kept.append(item)
    return kept


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


# The fake browser. Globals it adds start with "__"; the page sees window, document,
# location, navigator, timers, XMLHttpRequest, fetch, axios and jQuery.
ENVIRONMENT = r"""
var __cfg, __tag = {kind: 'load', text: ''};
var __rec = {writes: [], navs: [], apis: [], calls: []};
var __queue = [], __pagerList = [], __done = 0, __ids = 0;
var window = globalThis, self = globalThis, top = globalThis, parent = globalThis, frames = globalThis;

function __s(v) { try { return String(v); } catch (e) { return ''; } }
function __write(html) { html = __s(html); if (html && __rec.writes.length < 2000) __rec.writes.push([html, __tag.kind]); }
function __nav(url) { if (__rec.navs.length < 2000) __rec.navs.push([__s(url), __tag.kind, __tag.text]); }
function __query(data) {
  if (data == null || typeof data === 'function') return '';
  if (typeof data === 'string') return /^\s*[\[{]/.test(data) ? '' : data.replace(/^\?/, '');
  if (typeof data !== 'object') return '';
  var pairs = [];
  Object.keys(data).forEach(function (k) {
    var v = data[k];
    (Array.isArray(v) ? v : [v]).forEach(function (x) {
      if (typeof x !== 'function' && x !== undefined) pairs.push(encodeURIComponent(k) + '=' + encodeURIComponent(x === null ? '' : x));
    });
  });
  return pairs.join('&');
}
function __api(method, url, data) {
  if (url == null || typeof url === 'object' && !('href' in url)) return null;
  url = __s(url && url.href || url);
  var q = __query(data);
  if (q) url += (url.indexOf('?') < 0 ? '?' : '&') + q;
  var entry = {url: url};
  if (__rec.apis.length < 2000) __rec.apis.push(entry);
  return entry;
}
function __plain(v, depth) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return isFinite(v) ? v : null;
  if (typeof v === 'string') return v.length > 2000 ? v.slice(0, 2000) : v;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'function') return {__fn: __s(v.__stubName || v.name || '')};
  if (depth <= 0 || typeof v !== 'object') return null;
  try {
    if (Array.isArray(v)) return v.slice(0, 20).map(function (x) { return __plain(x, depth - 1); });
    var out = {};
    Object.keys(v).slice(0, 30).forEach(function (k) { out[k] = __plain(v[k], depth - 1); });
    return out;
  } catch (e) { return null; }
}

// Run fn; when it finds a name undefined, define that name as a recording stub, forget
// what the failed attempt recorded, and run it again.
function __attempt(fn) {
  for (var tries = 0; tries < 25; tries++) {
    var mark = [__rec.writes.length, __rec.navs.length, __rec.apis.length, __rec.calls.length, __queue.length, __pagerList.length];
    try { return fn(); } catch (e) {
      var m = e instanceof ReferenceError && /^([\w$]+) is not defined$/.exec(e.message);
      if (!m || m[1] in globalThis) return undefined;
      __rec.writes.length = mark[0]; __rec.navs.length = mark[1]; __rec.apis.length = mark[2];
      __rec.calls.length = mark[3]; __queue.length = Math.max(mark[4], __done); __pagerList.length = mark[5];
      globalThis[m[1]] = __stub(m[1], true);
    }
  }
}
function __defer(fn, args, self) {
  if (__queue.length > 300) return;
  if (typeof fn === 'string') { var code = fn; fn = function () { (0, eval)(code); }; }
  if (typeof fn === 'function') __queue.push([fn, args || [], self]);
}

function __numeric(v) {
  if (typeof v === 'number' && isFinite(v) && v >= 0) return Math.floor(v);
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return parseInt(v, 10);
  return null;
}
// A call whose arguments hold a page count and callbacks: {count, current, base, fns}.
function __pagerShape(args) {
  var f = __cfg.fields, fns = [], found = {}, positional = null, configured = false;
  function field(group, k) { return f[group].indexOf(k.toLowerCase()) >= 0; }
  for (var i = 0; i < args.length; i++) {
    var a = args[i];
    if (typeof a === 'function' && !a.__stubName) fns.push(['', a]);
    else if (__numeric(a) !== null && typeof a !== 'boolean') { if (positional === null) positional = __numeric(a); }
    else if (a && typeof a === 'object' && !a.__stubName && !Array.isArray(a)) {
      configured = true;
      var keys; try { keys = Object.keys(a); } catch (e) { keys = []; }
      keys.forEach(function (k) {
        var v = a[k];
        if (typeof v === 'function') { if (!v.__stubName) fns.push([k, v]); return; }
        ['pages', 'records', 'per_page', 'current'].forEach(function (g) {
          if (!field(g, k) || __numeric(v) === null) return;
          // Two page or record counts (kkpager's total and totalRecords): the larger, pages being cheap.
          if (found[g] === undefined || (g === 'pages' || g === 'records') && __numeric(v) > found[g]) found[g] = __numeric(v);
        });
      });
    }
  }
  if (!fns.length) return null;
  var per = found.per_page || null, count = null;
  if (found.pages !== undefined) count = found.pages;
  else if (found.records !== undefined) count = Math.ceil(found.records / (per || __cfg.perPage));
  else if (positional !== null && configured) count = per ? Math.ceil(positional / per) : positional;
  if (!count) return null;
  var zero = fns.some(function (p) { return __cfg.zeroBased.indexOf(p[0]) >= 0; });
  var base = found.current !== undefined ? (found.current === 0 ? 0 : 1) : (zero ? 0 : 1);
  return {count: count, current: found.current !== undefined ? found.current : base, base: base, fns: fns};
}
// A call to an observed function: recorded; a pager's callbacks wait for __pagers, other
// callbacks (layui.use, require, ready…) run once after the scripts.
function __called(name, args, self, own) {
  args = Array.prototype.slice.call(args);
  if (__rec.calls.length < 500) __rec.calls.push([name, args.slice(0, 12).map(function (a) { return __plain(a, 3); })]);
  var shape = __pagerShape(args);
  if (shape) { shape.self = self; if (__pagerList.length < 20) __pagerList.push(shape); return; }
  if (own) return;
  args.forEach(function (a) {
    if (typeof a === 'function' && !a.__stubName)
      __defer(a, __params(a).map(function (p) { return p in globalThis ? globalThis[p] : __stub(p, true); }));
  });
}

// A function-like value whose every property is another stub and whose calls are
// recorded (or, inert, ignored).
function __stub(name, record, thenable) {
  var cache = {}, target = function () {};
  return new Proxy(target, {
    get: function (t, p) {
      if (p === '__stubName') return name;
      if (p === Symbol.toPrimitive) return function (hint) { return hint === 'number' ? 0 : ''; };
      if (p === 'toString' || p === 'valueOf' || p === 'toJSON') return function () { return ''; };
      if (typeof p === 'symbol' || (p === 'then' && !thenable)) return undefined;
      if (p === 'prototype') return t.prototype;
      if (p === 'length') return 0;
      if (!Object.prototype.hasOwnProperty.call(cache, p)) cache[p] = __stub(name + '.' + p, record, thenable);
      return cache[p];
    },
    set: function (t, p, v) { cache[p] = v; return true; },
    has: function () { return true; },
    apply: function (t, self, args) {
      if (record) __called(name, args, self);
      return __stub(name + '()', record, thenable);
    },
    construct: function (t, args) {
      if (record) __called('new ' + name, args, null);
      __vm(args[0]);
      return __stub(name + '()', record, thenable);
    }
  });
}
var __inert = __stub('', false);
function __promise() { return __stub('promise', false, true); }

// new Vue({data, methods, created, mounted}) and alike: the hooks run on a view model.
function __vm(options) {
  if (!options || typeof options !== 'object' || !(options.mounted || options.created)) return;
  var vm = {};
  try { var d = typeof options.data === 'function' ? options.data.call(vm) : options.data; Object.assign(vm, d || {}); } catch (e) {}
  Object.keys(options.methods || {}).forEach(function (k) { vm[k] = options.methods[k]; });
  vm.$nextTick = function (fn) { __defer(fn, [], vm); }; vm.$refs = {}; vm.$el = __el('div');
  ['beforeCreate', 'created', 'beforeMount', 'mounted'].forEach(function (k) {
    if (typeof options[k] === 'function') __defer(options[k], [], vm);
  });
}

// The page's own functions, observed: calls recorded, then run as written.
var __originals = new WeakMap();
function __observe(fn, name) {
  if (typeof fn !== 'function' || fn.__stubName || __originals.has(fn)) return fn;
  var wrapped = new Proxy(fn, {apply: function (t, self, args) {
    __called(name, args, self, true);
    return Reflect.apply(t, self, args);
  }});
  __originals.set(wrapped, fn);
  return wrapped;
}
function __params(fn) {
  fn = __originals.get(fn) || fn;
  var src; try { src = Function.prototype.toString.call(fn); } catch (e) { return []; }
  var m = /^[^(=]*\(([^)]*)\)/.exec(src) || /^\s*(?:async\s+)?([\w$]+)\s*=>/.exec(src);
  if (!m) return [];
  return m[1].split(',').map(function (s) { return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/=[\s\S]*$/, '').trim(); })
    .filter(function (s) { return s; });
}

// Elements: what is written into them (innerHTML, insertAdjacentHTML, appended anchors) is recorded.
var __elements = {};
function __el(tag, id) {
  var node = {
    tagName: __s(tag || 'div').toUpperCase(), nodeType: 1, id: id || '', className: '', value: '', checked: false,
    style: {}, dataset: {}, attributes: {}, children: [], childNodes: [], options: [], href: '', src: '',
    _html: '', _text: '', length: 0,
    setAttribute: function (k, v) { this.attributes[k] = __s(v); if (k === 'href' || k === 'id') this[k] = __s(v); },
    getAttribute: function (k) { return k in this.attributes ? this.attributes[k] : null; },
    removeAttribute: function (k) { delete this.attributes[k]; },
    hasAttribute: function (k) { return k in this.attributes; },
    appendChild: function (c) { __attach(c); return c; },
    insertBefore: function (c) { __attach(c); return c; },
    replaceChild: function (c) { __attach(c); return c; },
    removeChild: function (c) { return c; },
    append: function () { for (var i = 0; i < arguments.length; i++) __attach(arguments[i]); },
    prepend: function () { for (var i = 0; i < arguments.length; i++) __attach(arguments[i]); },
    after: function () { for (var i = 0; i < arguments.length; i++) __attach(arguments[i]); },
    before: function () { for (var i = 0; i < arguments.length; i++) __attach(arguments[i]); },
    insertAdjacentHTML: function (where, html) { __write(html); },
    insertAdjacentElement: function (where, c) { __attach(c); return c; },
    addEventListener: function () {}, removeEventListener: function () {}, attachEvent: function () {},
    getElementsByTagName: function (t) { return [__el(t)]; },
    getElementsByClassName: function () { return [__el('div')]; },
    querySelector: function (s) { return __el('div'); }, querySelectorAll: function (s) { return [__el('div')]; },
    cloneNode: function () { return __el(tag); },
    classList: {add: function () {}, remove: function () {}, toggle: function () {}, contains: function () { return false; }},
    getBoundingClientRect: function () { return {top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0}; },
    focus: function () {}, blur: function () {}, submit: function () {}, reset: function () {},
    click: function () { if (this.href) __nav(this.href); }
  };
  ['innerHTML', 'outerHTML'].forEach(function (k) {
    Object.defineProperty(node, k, {get: function () { return this._html; }, set: function (v) { this._html = __s(v); __write(v); }});
  });
  ['textContent', 'innerText'].forEach(function (k) {
    Object.defineProperty(node, k, {get: function () { return this._text || TAG(this._html); }, set: function (v) { this._text = __s(v); }});
  });
  function TAG(h) { return __s(h).replace(/<[^>]*>/g, ''); }
  return new Proxy(node, {get: function (t, p) {
    if (p in t) return t[p];
    if (p === 'parentNode' || p === 'parentElement' || p === 'firstChild' || p === 'lastChild' || p === 'nextSibling') return __el('div');
    if (typeof p === 'symbol' || p === 'then' || p.slice(0, 2) === '__') return undefined;
    return __inert[p];
  }});
}
function __attach(c) {
  if (c == null) return;
  if (typeof c === 'string') { __write(c); return; }
  if (c.__jq === true) { __write(c.__html); return; }
  if (c.tagName === 'A' && (c.href || c.attributes && c.attributes.href))
    __write('<a href="' + __s(c.href || c.attributes.href).replace(/"/g, '&quot;') + '">' + __s(c._text || c._html) + '</a>');
}
function __element(key) { return __elements[key] || (__elements[key] = __el('div', key)); }

var document = {
  nodeType: 9, cookie: '', referrer: '', title: '', readyState: 'complete', charset: 'UTF-8', characterSet: 'UTF-8',
  write: function () { for (var i = 0; i < arguments.length; i++) __write(arguments[i]); },
  writeln: function () { for (var i = 0; i < arguments.length; i++) __write(arguments[i]); },
  open: function () {}, close: function () {},
  getElementById: function (id) { return __element('#' + id); },
  querySelector: function (s) { return __element(s); },
  querySelectorAll: function (s) { return [__element(s)]; },
  getElementsByTagName: function (t) { return [__element(t)]; },
  getElementsByClassName: function (c) { return [__element('.' + c)]; },
  getElementsByName: function (n) { return [__element('[name=' + n + ']')]; },
  createElement: function (t) { return __el(t); },
  createTextNode: function (t) { return {nodeType: 3, textContent: __s(t), data: __s(t)}; },
  createDocumentFragment: function () { return __el('fragment'); },
  addEventListener: function (type, fn) { if (/^(DOMContentLoaded|load|readystatechange)$/.test(type)) __defer(fn); },
  removeEventListener: function () {}, attachEvent: function (type, fn) { __defer(fn); },
  createEvent: function () { return {initEvent: function () {}}; }
};
document.body = __el('body'); document.head = __el('head'); document.documentElement = __el('html'); document.forms = [];
document.all = [];

var __location = {
  assign: function (u) { __nav(u); }, replace: function (u) { __nav(u); }, reload: function () {},
  toString: function () { return __cfg.href; }
};
['protocol', 'host', 'hostname', 'port', 'hash'].forEach(function (k) {
  Object.defineProperty(__location, k, {get: function () { return __cfg[k]; }, set: function () {}});
});
Object.defineProperty(__location, 'href', {get: function () { return __cfg.href; }, set: function (u) { __nav(u); }});
Object.defineProperty(__location, 'origin', {get: function () { return __cfg.protocol + '//' + __cfg.host; }});
Object.defineProperty(__location, 'pathname', {get: function () { return __cfg.pathname; }, set: function (p) { __nav(p); }});
Object.defineProperty(__location, 'search', {get: function () { return __cfg.search; }, set: function (s) {
  s = __s(s); __nav(__cfg.pathname + (s.charAt(0) === '?' ? s : '?' + s)); }});
[globalThis, document].forEach(function (holder) {
  Object.defineProperty(holder, 'location', {get: function () { return __location; }, set: function (u) { __nav(u); }});
});
Object.defineProperty(document, 'URL', {get: function () { return __cfg.href; }});
Object.defineProperty(document, 'domain', {get: function () { return __cfg.hostname; }});

var navigator = {userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  appName: 'Netscape', appVersion: '5.0', platform: 'Linux x86_64', language: 'zh-CN', languages: ['zh-CN'],
  cookieEnabled: true, onLine: true, plugins: [], mimeTypes: []};
var screen = {width: 1920, height: 1080, availWidth: 1920, availHeight: 1040, colorDepth: 24};
var history = {length: 1, back: function () {}, forward: function () {}, go: function () {},
  pushState: function () {}, replaceState: function () {}};
var console = {log: function () {}, info: function () {}, warn: function () {}, error: function () {}, debug: function () {}};
function __storage() { var d = {}; return {getItem: function (k) { return k in d ? d[k] : null; },
  setItem: function (k, v) { d[k] = __s(v); }, removeItem: function (k) { delete d[k]; }, clear: function () { d = {}; }}; }
var localStorage = __storage(), sessionStorage = __storage();
var innerWidth = 1920, innerHeight = 1080, devicePixelRatio = 1, pageXOffset = 0, pageYOffset = 0, name = '', closed = false;
function alert() {} function confirm() { return true; } function prompt() { return null; } function print() {}
function scrollTo() {} function scroll() {} function focus() {} function blur() {}
function addEventListener(type, fn) { if (/^(DOMContentLoaded|load|pageshow)$/.test(type)) __defer(fn); }
function removeEventListener() {} function attachEvent(type, fn) { if (/load/.test(type)) __defer(fn); }
function open(u) { if (u) __nav(u); return __inert; }
function setTimeout(fn) { __defer(fn, Array.prototype.slice.call(arguments, 2)); return ++__ids; }
var setInterval = setTimeout, requestAnimationFrame = setTimeout;
function clearTimeout() {} var clearInterval = clearTimeout, cancelAnimationFrame = clearTimeout;
function Image() { return __el('img'); }
function getComputedStyle() { return {getPropertyValue: function () { return ''; }}; }
function matchMedia() { return {matches: false, addListener: function () {}, addEventListener: function () {}}; }
function btoa(s) { return __s(s); } function atob(s) { return __s(s); }

function XMLHttpRequest() { this.readyState = 0; this.status = 0; this.responseText = ''; this.response = ''; }
XMLHttpRequest.prototype = {
  open: function (method, url) { this.__method = __s(method).toUpperCase(); this.__entry = __api(method, url); },
  send: function (body) {
    var q = this.__entry && typeof body === 'string' ? __query(body) : '';
    if (q) this.__entry.url += (this.__entry.url.indexOf('?') < 0 ? '?' : '&') + q;
  },
  setRequestHeader: function () {}, abort: function () {}, getResponseHeader: function () { return null; },
  getAllResponseHeaders: function () { return ''; }, addEventListener: function () {}, overrideMimeType: function () {}
};
var ActiveXObject = XMLHttpRequest;
function fetch(input, init) {
  init = init || {};
  __api(init.method || 'GET', input && input.url || input, typeof init.body === 'string' ? init.body : null);
  return new Promise(function () {});
}
function Request(url, init) { this.url = __s(url); Object.assign(this, init || {}); }
function __axios(config) {
  if (typeof config === 'string') config = Object.assign({url: config}, arguments[1] || {});
  config = config || {};
  __api(config.method || 'get', config.url, config.params || (/^get$/i.test(config.method || 'get') ? null : config.data));
  return new Promise(function () {});
}
__axios.get = function (url, config) { return __axios(Object.assign({}, config || {}, {url: url, method: 'get'})); };
__axios['delete'] = __axios.head = __axios.get;
__axios.post = function (url, data, config) {
  return __axios(Object.assign({}, config || {}, {url: url, method: 'post', data: data}));
};
__axios.put = __axios.patch = __axios.post;
__axios.create = function () { return __axios; };
__axios.defaults = {headers: {common: {}}};
__axios.interceptors = {request: {use: function () {}}, response: {use: function () {}}};
var axios = __axios;

// jQuery: selections are chainable; plugin calls ($('#p').pagination(…)) are recorded;
// $.ajax and friends record what they would fetch.
var __jqSelf = ['on', 'off', 'one', 'bind', 'unbind', 'live', 'die', 'delegate', 'undelegate', 'click', 'dblclick',
  'change', 'submit', 'focus', 'blur', 'keyup', 'keydown', 'keypress', 'mouseover', 'mouseout', 'mouseenter',
  'mouseleave', 'hover', 'scroll', 'resize', 'trigger', 'triggerHandler', 'css', 'addClass', 'removeClass',
  'toggleClass', 'show', 'hide', 'toggle', 'fadeIn', 'fadeOut', 'fadeTo', 'fadeToggle', 'slideUp', 'slideDown',
  'slideToggle', 'animate', 'stop', 'delay', 'empty', 'remove', 'detach', 'removeAttr', 'removeData', 'appendTo',
  'prependTo', 'insertAfter', 'insertBefore', 'wrap', 'wrapAll', 'unwrap', 'select', 'scrollTop', 'scrollLeft',
  'width', 'height', 'innerWidth', 'innerHeight', 'outerWidth', 'outerHeight', 'map', 'promise', 'end', 'addBack'];
var __jqNew = ['find', 'children', 'parent', 'parents', 'parentsUntil', 'closest', 'siblings', 'next', 'prev',
  'nextAll', 'prevAll', 'nextUntil', 'prevUntil', 'eq', 'first', 'last', 'filter', 'not', 'has', 'add', 'slice',
  'contents', 'offsetParent', 'clone'];
var __jqWrite = ['html', 'append', 'prepend', 'after', 'before', 'replaceWith', 'wrapInner', 'replaceAll'];
function __jqObj(selector) {
  var target = {__jq: true, __html: '', selector: selector, length: 1, jquery: '1.12.4', context: document};
  var proxy = new Proxy(target, {get: function (t, p) {
    if (p in t) return t[p];
    if (typeof p === 'symbol' || p === 'then') return undefined;
    if (/^\d+$/.test(p)) return __element(__s(selector));
    if (__jqSelf.indexOf(p) >= 0) return function () { return proxy; };
    if (__jqNew.indexOf(p) >= 0) return function () { return __jqObj(__s(selector) + ' ' + p); };
    if (__jqWrite.indexOf(p) >= 0) return function (v) {
      if (!arguments.length) return t.__html;
      for (var i = 0; i < arguments.length; i++) {
        var a = arguments[i];
        if (typeof a === 'function') { try { a = a.call(proxy, 0, t.__html); } catch (e) { a = ''; } }
        if (p === 'html' && typeof a === 'string') t.__html = a;
        __attach(a && a.__jq ? a.__html : a);
      }
      return proxy;
    };
    if (p === 'text' || p === 'val') return function (v) { return arguments.length ? proxy : ''; };
    if (p === 'attr' || p === 'prop' || p === 'data' || p === 'css')
      return function (k, v) { return arguments.length > 1 || typeof k === 'object' ? proxy : undefined; };
    if (p === 'ready') return function (fn) { __defer(fn, [__jq], document); return proxy; };
    if (p === 'each') return function (fn) { try { fn.call(__element(__s(selector)), 0, __element(__s(selector))); } catch (e) {} return proxy; };
    if (p === 'get') return function (i) { return i === undefined ? [__element(__s(selector))] : __element(__s(selector)); };
    if (p === 'is' || p === 'hasClass') return function () { return false; };
    if (p === 'index') return function () { return 0; };
    if (p === 'size') return function () { return 1; };
    if (p === 'toArray') return function () { return [__element(__s(selector))]; };
    if (p === 'offset' || p === 'position') return function () { return {top: 0, left: 0}; };
    if (p === 'serialize') return function () { return ''; };
    if (p === 'load') return function (url, data) { __api('GET', __s(url).split(/\s+/)[0], typeof data === 'function' ? null : data); return proxy; };
    var plugin = __jq.fn[p];
    if (typeof plugin === 'function' && !plugin.__stubName) return function () {
      __called('$.fn.' + p, arguments, proxy, true);
      return plugin.apply(proxy, arguments);
    };
    return function () { __called('$.fn.' + p, arguments, proxy); return proxy; };
  }});
  return proxy;
}
function __jqAjax(url, options) {
  if (typeof url === 'object' && url) { options = url; url = options.url; }
  options = options || {};
  __api(options.type || options.method || 'GET', url == null ? __cfg.href : url, options.data);
  return __promise();
}
function __jqShort(method) {
  return function (url, data, fn) { __api(method, url, typeof data === 'function' ? null : data); return __promise(); };
}
var __jqStatic = {
  fn: {jquery: '1.12.4', extend: function (o) { Object.assign(__jqStatic.fn, o); }}, ajax: __jqAjax, get: __jqShort('GET'), post: __jqShort('POST'), getJSON: __jqShort('GET'),
  getScript: function () { return __promise(); }, ajaxSetup: function () {}, support: {}, browser: {msie: false},
  each: function (o, fn) {
    if (o == null) return o;
    if (Array.isArray(o) || typeof o.length === 'number' && typeof o !== 'function') {
      for (var i = 0; i < o.length; i++) if (fn.call(o[i], i, o[i]) === false) break;
    } else for (var k in o) if (fn.call(o[k], k, o[k]) === false) break;
    return o;
  },
  map: function (o, fn) { var out = []; __jqStatic.each(o, function (i, v) { var r = fn(v, i); if (r != null) out = out.concat(r); }); return out; },
  grep: function (a, fn, inv) { return Array.prototype.filter.call(a || [], function (v, i) { return !fn(v, i) === !!inv; }); },
  extend: function () {
    var args = Array.prototype.slice.call(arguments);
    if (typeof args[0] === 'boolean') args.shift();
    var out = args[0] || {};
    if (args.length === 1) out = __jq;
    args.slice(args.length === 1 ? 0 : 1).forEach(function (o) { if (o) Object.keys(o).forEach(function (k) { out[k] = o[k]; }); });
    return out;
  },
  trim: function (s) { return s == null ? '' : __s(s).trim(); },
  isArray: Array.isArray, isFunction: function (f) { return typeof f === 'function'; },
  isPlainObject: function (o) { return !!o && typeof o === 'object' && !Array.isArray(o); },
  isEmptyObject: function (o) { return !o || !Object.keys(o).length; },
  isNumeric: function (n) { return !isNaN(parseFloat(n)) && isFinite(n); },
  inArray: function (v, a) { return a ? Array.prototype.indexOf.call(a, v) : -1; },
  makeArray: function (a) { return Array.prototype.slice.call(a || []); },
  merge: function (a, b) { Array.prototype.push.apply(a, b); return a; },
  param: function (o) { return __query(o); }, parseJSON: function (s) { return JSON.parse(s); },
  type: function (o) { return o === null ? 'null' : Array.isArray(o) ? 'array' : typeof o; },
  noop: function () {}, now: Date.now, proxy: function (fn) { return fn; },
  when: function () { return __promise(); }, Deferred: function () { return __promise(); },
  noConflict: function () { return __jq; }
};
var __jq = new Proxy(function (selector) {
  if (typeof selector === 'function') { __defer(selector, [__jq], document); return __jqObj('document'); }
  if (selector && selector.__jq) return selector;
  if (typeof selector === 'string' && /^\s*</.test(selector)) { var o = __jqObj(selector); __write(selector); return o; }
  return __jqObj(typeof selector === 'string' ? selector : selector === document ? 'document' : 'element');
}, {
  get: function (t, p) {
    if (Object.prototype.hasOwnProperty.call(__jqStatic, p)) return __jqStatic[p];
    if (typeof p === 'symbol' || p === 'prototype' || p === 'then') return t[p];
    return (__jqStatic[p] = __stub('$.' + p, true));
  },
  set: function (t, p, v) { __jqStatic[p] = v; return true; }
});
var $ = __jq, jQuery = __jq;

var __baseline;
function __setup(cfg) { __cfg = cfg; __baseline = new Set(Object.getOwnPropertyNames(globalThis)); }
function __script(i) {
  var code = __cfg.scripts[i], names = {}, m, declared = /\bfunction\s+([A-Za-z_$][\w$]*)\s*\(/g;
  while ((m = declared.exec(code)) && Object.keys(names).length < 100) names[m[1]] = true;
  // Declarations are hoisted: wrapping them first observes calls made later in the same script.
  var observe = Object.keys(names).map(function (n) {
    return 'if (typeof ' + n + " === 'function') " + n + ' = __observe(' + n + ", '" + n + "');";
  }).join(' ');
  __attempt(function () { (0, eval)(observe + code); });
  __observeGlobals();
}
// What the script left behind for later scripts: new global functions (function
// expressions too) and the methods of new global objects.
function __observeGlobals() {
  Object.getOwnPropertyNames(globalThis).forEach(function (k) {
    if (__baseline.has(k)) return;
    var v; try { v = globalThis[k]; } catch (e) { return; }
    if (typeof v === 'function' && !v.__stubName) { try { globalThis[k] = __observe(v, k); } catch (e) {} }
    else if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype) {
      Object.keys(v).slice(0, 50).forEach(function (m) {
        try { if (typeof v[m] === 'function') v[m] = __observe(v[m], k + '.' + m); } catch (e) {}
      });
    }
  });
}
// After the scripts: what they deferred (ready, timers, onload), bounded.
function __settle() {
  __cfg.onload.forEach(function (code) { __defer(code); });
  __drain();
  [window.onload, document.body.onload, document.onreadystatechange].forEach(function (fn) {
    if (typeof fn === 'function' && !fn.__stubName) __defer(fn, [{type: 'load'}]);
  });
  __drain();
}
function __drain() {
  while (__done < __queue.length && __done < 300) {
    var item = __queue[__done++];
    __attempt(function () { item[0].apply(item[2], item[1]); });
  }
}
// Each pager's callbacks called for its pages, as a user clicking through would.
function __pagers() {
  __pagerList.forEach(function (shape) {
    var pages = [];
    for (var n = shape.base; n < shape.base + shape.count && pages.length < __cfg.limit; n++)
      if (n !== shape.current) pages.push(n);
    shape.fns.slice(0, 4).forEach(function (pair) {
      var names = __params(pair[1]);
      pages.forEach(function (n) {
        __tag = {kind: 'pager', text: __s(n)};
        __attempt(function () { pair[1].apply(shape.self, __pageArgs(names, n, shape)); });
        __drain();
      });
    });
  });
  __tag = {kind: 'load', text: ''};
}
function __pageArgs(names, n, shape) {
  var obj = new Number(n);
  ['curr', 'page', 'current', 'currentPage', 'pageIndex', 'pageNo', 'pageNum', 'index', 'pageNumber'].forEach(function (k) { obj[k] = n; });
  obj.limit = obj.pageSize = obj.perPage = __cfg.perPage; obj.pages = obj.totalPages = obj.count = shape.count;
  var event = {type: 'page', preventDefault: function () {}, stopPropagation: function () {}, target: __el('a'), currentTarget: __el('a')};
  if (!names.length) return [obj, obj, obj, obj];
  return names.map(function (p) {
    if (/^(first|isfirst|init|initial|isinit)$/i.test(p)) return false;
    if (/^(e|ev|evt|event|originalevent|oe|jqevent)$/i.test(p)) return event;
    if (p === 'type') return 'page';
    if (/^(p|n|i|num|no|idx|index|pn|pi|number|topage|gopage|page[\w$]*|cur[\w$]*|now[\w$]*)$/i.test(p)) return n;
    return obj;
  });
}
// What clicking each script anchor does ([code, anchor text]).
function __clicks(list) {
  list.forEach(function (pair) {
    __tag = {kind: 'click', text: pair[1]};
    __attempt(function () { return new Function(pair[0]).call(__el('a')); });
    __drain();
  });
  __tag = {kind: 'load', text: ''};
}
function __report() {
  return JSON.stringify({writes: __rec.writes, navs: __rec.navs, apis: __rec.apis.map(function (e) { return e.url; }),
    calls: __rec.calls});
}
"""
