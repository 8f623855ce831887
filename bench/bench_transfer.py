"""Bytes of JavaScript and HTML a browser transfers for the demo dashboard, and the 304 rate of a repeat visit.

    .venv/bin/python bench/bench_transfer.py [--code 165] [--json]

Runs on the demo data (``manage.py load_demo``) through the Django test client, so every response passes
the whole middleware stack (WhiteNoise for static files, GZip for pages, the ETag middleware). Static
files are served as a production deploy serves them: ``collectstatic`` into a temporary ``STATIC_ROOT``
(hashed, compressed names) unless ``--no-collectstatic``. Measures, for the dashboard
``/kommune/<code>/`` as ``medarbejder`` and as an anonymous visitor of the public view (switched on for
the run and back off):

- the first visit: the page, every ``<script src>``, stylesheet and icon it links to, and every download
  link (CSV, Excel, JSON) on it, once without ``Accept-Encoding`` and once with ``gzip, br``;
- "before": what the app served until issue 25 – the same page with the full ``plotly.min.js`` of the
  ``plotly`` Python package in place of the vendored bundle, nothing compressed;
- the same for ``medarbejder`` with ``CACHE_PERSONAL_PAGES=true`` (staff pages with person counts revalidate);
- a repeat visit by a browser that kept what the first visit's ``Cache-Control`` let it keep: a resource
  still fresh (``max-age``, ``immutable``) is not requested at all, a stored one with an ``ETag`` is asked
  for with ``If-None-Match``, a ``no-store`` one is fetched again.

Prints a Markdown section for ``bench/RESULTS.md`` (``--json``: one JSON line).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dke_dashboard.settings")

ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"')
DOWNLOAD = re.compile(r'href="([^"]+\.(?:csv|xlsx|json)(?:\?[^"]*)?)"')


@dataclass
class Fetch:
    url: str
    kind: str  # html, js, css, other, download
    status: int
    body: int  # bytes on the wire (after Content-Encoding)
    identity: int  # bytes of the uncompressed body
    encoding: str
    cache_control: str
    etag: str


def kind_of(url: str) -> str:
    path = url.split("?")[0]
    if path.endswith(".js"):
        return "js"
    if path.endswith(".css"):
        return "css"
    if re.search(r"\.(csv|xlsx|json)$", path):
        return "download"
    return "other" if "/static/" in path else "html"


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        response.close()
        return data
    return response.content


def fetch(client, url: str, encoding: str | None, etag: str | None = None) -> Fetch:
    import gzip

    import brotli

    headers = {}
    if encoding:
        headers["HTTP_ACCEPT_ENCODING"] = encoding
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    response = client.get(url, **headers)
    body = body_of(response)
    coding = response.get("Content-Encoding", "")
    identity = len(gzip.decompress(body) if coding == "gzip" else brotli.decompress(body) if coding == "br" else body)
    return Fetch(url, kind_of(url), response.status_code, len(body), identity, coding,
                 response.get("Cache-Control", ""), response.get("ETag", ""))


def first_visit(client, page: str, encoding: str | None) -> list[Fetch]:
    html = fetch(client, page, encoding)
    text = body_of(client.get(page)).decode()
    assets = list(dict.fromkeys(ASSET.findall(text)))
    downloads = list(dict.fromkeys(url.replace("&amp;", "&") for url in DOWNLOAD.findall(text)))
    return [html] + [fetch(client, url, encoding) for url in assets + downloads]


def fresh(cache_control: str) -> bool:
    match = re.search(r"max-age=(\d+)", cache_control)
    return bool(match) and int(match.group(1)) > 0 and "no-cache" not in cache_control \
        and "no-store" not in cache_control


def repeat_visit(client, first: list[Fetch], encoding: str) -> dict:
    """A browser's second visit, as the first visit's headers allow."""
    counts = {"requests": 0, "not_requested": 0, "304": 0, "200": 0, "bytes": 0}
    for old in first:
        if fresh(old.cache_control):
            counts["not_requested"] += 1
            continue
        stored = "no-store" not in old.cache_control
        again = fetch(client, old.url, encoding, etag=old.etag if stored and old.etag else None)
        counts["requests"] += 1
        counts["304" if again.status == 304 else "200"] += 1
        counts["bytes"] += again.body
    total = len(first)
    counts["resources"] = total
    counts["rate_304"] = round(counts["304"] / counts["requests"], 3) if counts["requests"] else 1.0
    counts["rate_no_body"] = round((counts["304"] + counts["not_requested"]) / total, 3)
    return counts


def sums(fetches: list[Fetch]) -> dict:
    out: dict[str, int] = {}
    for f in fetches:
        out[f.kind] = out.get(f.kind, 0) + f.body
    return out


def measure(client, page: str) -> dict:
    plain = first_visit(client, page, None)
    packed = first_visit(client, page, "gzip, deflate, br")
    bad = [f"{f.url} {f.status}" for f in plain + packed if f.status != 200]
    if bad:
        raise SystemExit(f"not 200: {bad}")
    return {"plain": sums(plain), "compressed": sums(packed), "repeat": repeat_visit(client, packed, "gzip, deflate, br"),
            "files": [(f.url, f.kind, f.identity, f.body, f.encoding, f.cache_control) for f in packed
                      if f.kind != "download"]}


def before(result: dict) -> dict:
    """Issue 25's starting point: the full plotly.min.js and every other file as served, none compressed."""
    import plotly

    full = (Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js").stat().st_size
    bundle = sum(identity for url, kind, identity, *_ in result["files"] if "vendor/plotly/" in url)
    return {"js": result["plain"]["js"] - bundle + full, "html": result["plain"]["html"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default="165")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-collectstatic", action="store_true", help="static files as runserver serves a checkout: no manifest, DEBUG as set")
    args = parser.parse_args()
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from districts.models import Municipality

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    page = f"/kommune/{args.code}/"
    results = {}
    with tempfile.TemporaryDirectory() as root:
        # as in production; --no-collectstatic: as runserver serves a checkout (DEBUG as configured)
        overrides = {} if args.no_collectstatic else {"DEBUG": False, "STATIC_ROOT": root}
        with override_settings(**overrides):
            if not args.no_collectstatic:
                call_command("collectstatic", "--noinput", verbosity=0)
            staff = Client()
            staff.force_login(get_user_model().objects.get(username="medarbejder"))
            results["medarbejder"] = measure(staff, page)
            with override_settings(CACHE_PERSONAL_PAGES=True):
                results["medarbejder, CACHE_PERSONAL_PAGES=true"] = measure(staff, page)
            municipality = Municipality.objects.filter(code=args.code)
            was_public = municipality.get().public_view
            municipality.update(public_view=True)  # no signal: the data version stays as it is
            try:
                results["public"] = measure(Client(), page)
            finally:
                municipality.update(public_view=was_public)
    for result in results.values():
        result["before"] = before(result)
    if args.json:
        print(json.dumps(results))
        return
    print(report(results, page))


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def report(results: dict, page: str) -> str:
    lines = [f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: bytes transferred for the dashboard "
             f"(`bench/bench_transfer.py`, issue 25)",
             f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
             f"`{page}` on the demo data (seed 1), through the test client with the whole middleware stack, "
             "static files collected as in production (hashed, brotli/gzip variants). Bytes on the wire "
             "(bodies, no headers). \"Before\": the full `plotly.min.js` of the `plotly` package, nothing "
             "compressed (as served until issue 25).",
             "",
             "| visitor | JS before | JS after, plain | JS after, gzip/br | HTML before | HTML after, gzip/br | CSS after, gzip/br | downloads on the page, gzip/br |",
             "|---|---|---|---|---|---|---|---|"]
    for who, r in results.items():
        lines.append(f"| {who} | {kb(r['before']['js'])} | {kb(r['plain']['js'])} | **{kb(r['compressed']['js'])}** | "
                     f"{kb(r['before']['html'])} | {kb(r['compressed']['html'])} | "
                     f"{kb(r['compressed'].get('css', 0))} | {kb(r['compressed'].get('download', 0))} |")
    lines += ["", "Repeat visit (a browser that kept what the first visit's headers allowed; all resources of the "
              "page: HTML, scripts, stylesheet, icon, downloads):", "",
              "| visitor | resources | not requested (fresh) | requests | 304 | 200 | 304 rate of requests | no body re-sent | bytes |",
              "|---|---|---|---|---|---|---|---|---|"]
    for who, r in results.items():
        p = r["repeat"]
        lines.append(f"| {who} | {p['resources']} | {p['not_requested']} | {p['requests']} | {p['304']} | {p['200']} | "
                     f"{p['rate_304']:.0%} | {p['rate_no_body']:.0%} | {kb(p['bytes'])} |")
    lines += ["", "Files (medarbejder, compressed):", "", "| file | size | sent | encoding | Cache-Control |",
              "|---|---|---|---|---|"]
    for url, _kind, identity, body, encoding, cache_control in results["medarbejder"]["files"]:
        lines.append(f"| `{url.split('?')[0]}` | {kb(identity)} | {kb(body)} | {encoding or '–'} | `{cache_control}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
