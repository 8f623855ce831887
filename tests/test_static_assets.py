"""Issue 25, weight: the app serves plotly.js's partial bundle (the trace types its charts use) from its own
static files, hashed and compressed after collectstatic, never from a CDN."""

import re
from pathlib import Path

import brotli
import plotly.graph_objects as go
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from tests.pages import json_blocks

BASE = Path(settings.BASE_DIR)
VENDOR = BASE / "static" / "vendor" / "plotly"
BUNDLE = VENDOR / "plotly-basic.min.js"
TRACE_TYPES = {name.lower() for name in go.__all__
               if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)}
CHART_SOURCES = ["reports/charts.py", "reports/dashboard.py", "comparisons/charts.py", "comparisons/pages.py",
                 "comparisons/page.py"]


def bundle_traces() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLE.read_text()))


def test_the_bundle_is_the_plotly_js_the_python_package_bundles():
    version = get_plotlyjs_version()
    assert (VENDOR / "VERSION").read_text().strip() == version
    assert f"plotly.js (basic - minified) v{version}" in BUNDLE.read_text()[:200]
    assert bundle_traces() == {"bar", "pie", "scatter"}


def test_every_trace_type_in_the_chart_code_is_in_the_bundle():
    used = set()
    for source in CHART_SOURCES:
        path = BASE / source
        if path.exists():
            used |= set(re.findall(r'"type":\s*"(\w+)"', path.read_text())) & TRACE_TYPES
    assert used >= {"bar", "scatter"}
    assert used <= bundle_traces(), f"not in the bundle: {used - bundle_traces()} (static/vendor/plotly/README.md)"


@pytest.mark.django_db
def test_every_chart_drawn_on_the_pages_is_in_the_bundle(client, town, member):
    client.force_login(member("Medarbejder", town))
    drawn = set()
    for url in ("/kommune/165/?period_from=2016&period_to=2016", "/kommune/165/figur/reports-per-1000/",
                "/kommune/165/sammenligning/", "/kommune/165/maal/"):
        page = client.get(url).content.decode()
        for block in json_blocks(page):
            if isinstance(block, dict) and "data" in block:
                drawn |= {trace.get("type", "scatter") for trace in block["data"]}
    assert "bar" in drawn and "scatter" in drawn
    assert drawn <= bundle_traces()


def test_no_template_or_script_loads_anything_from_another_site():
    offenders = []
    for path in list((BASE / "templates").rglob("*.html")) + list((BASE / "static" / "js").rglob("*.js")):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", path.read_text()):
            if re.search(r'(src|href)="(https?:)?//', tag):
                offenders.append(f"{path.relative_to(BASE)}: {tag}")
    assert not offenders
    assert not re.search(r"cdn\.|unpkg|jsdelivr", (BASE / "dke_dashboard" / "settings.py").read_text())


@pytest.mark.django_db
def test_collected_bundle_is_hashed_compressed_cached_for_a_year_and_linked_by_its_hashed_name(
        tmp_path, town, member):
    finders = ["django.contrib.staticfiles.finders.FileSystemFinder"]  # the app's own files: quick
    with override_settings(STATIC_ROOT=tmp_path, STATICFILES_FINDERS=finders):
        call_command("collectstatic", "--noinput", verbosity=0)
        hashed = list((tmp_path / "vendor" / "plotly").glob("plotly-basic.min.*.js"))
        assert len(hashed) == 1 and re.fullmatch(r"plotly-basic\.min\.[0-9a-f]{12}\.js", hashed[0].name)
        assert Path(f"{hashed[0]}.br").exists() and Path(f"{hashed[0]}.gz").exists()

        client = Client()  # a new handler: WhiteNoise reads the collected files
        client.force_login(member("Medarbejder", town))
        page = client.get("/kommune/165/?period_from=2016&period_to=2016").content.decode()
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
        url = f"/static/vendor/plotly/{hashed[0].name}"
        assert url in scripts
        assert all(re.search(r"\.[0-9a-f]{12}\.js$", src) for src in scripts), scripts

        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "immutable" in response["Cache-Control"]
        assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 365 * 24 * 3600
        body = b"".join(response.streaming_content)
        response.close()
        assert len(body) < 400_000  # the goal: at most 1 MB of JavaScript on the wire for the dashboard
        assert brotli.decompress(body) == BUNDLE.read_bytes()

        plain = client.get(url)
        assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
        assert int(plain["Content-Length"]) == BUNDLE.stat().st_size
        plain.close()
