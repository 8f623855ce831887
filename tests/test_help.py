"""The help page documents every file kind from the parsers' own definitions; each kind's template, uploaded as
it is, previews without errors; every link in the help page and the README stays inside the product."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve

from importers import help as docs
from importers.forms import KIND_CHOICES
from importers.models import ImportBatch
from importers.parsers.police import CHARGE_ALIASES, OFFENCE_ALIASES, OFFENCE_REQUIRED
from importers.parsers.reference import POPULATION_ALIASES, STREET_ALIASES
from reports.figures import FIGURES

pytestmark = pytest.mark.django_db

TEMPLATES = [(spec.kind, fmt) for spec in docs.KINDS for fmt in spec.formats]


def test_every_kind_the_importer_accepts_has_a_section_and_a_template():
    assert {spec.kind for spec in docs.KINDS} == {k for k, _label in KIND_CHOICES if k != "auto"}
    assert all(spec.formats for spec in docs.KINDS)
    tabular = [spec for spec in docs.KINDS if spec.kind not in ("dst", "boundaries", "mun_bounds")]
    assert all(spec.formats == ("csv", "xlsx") for spec in tabular)


def test_the_column_tables_are_the_parsers_own(client):
    page = client.get("/hjaelp/").content.decode()
    section = page.split('id="fil-anmeldelser"', 1)[1].split("</table>", 1)[0]
    for spellings in OFFENCE_ALIASES.values():  # every heading and every accepted spelling
        assert f"<th scope=\"row\">{spellings[0]}</th>" in section
        for spelling in spellings[1:]:
            assert spelling in section
    rows = {re.sub(r"<[^>]+>", "", r[0]): re.sub(r"<[^>]+>", "", r[2])
            for r in re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:] for r in [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]}
    assert {OFFENCE_ALIASES[k][0] for k in OFFENCE_REQUIRED} == {h for h, req in rows.items() if req == "ja"}
    assert rows["Kommunekode"] == "ja, hvis kommunen ikke er valgt i formularen"
    charges = page.split('id="fil-sigtelser"', 1)[1].split("</table>", 1)[0]
    assert all(s in charges for spellings in CHARGE_ALIASES.values() for s in spellings)
    assert all(s in page for spellings in POPULATION_ALIASES.values() for s in spellings)
    assert all(s in page for spellings in STREET_ALIASES.values() for s in spellings)


def test_a_figure_pages_om_tallene_links_to_its_definition(client, town, member):
    client.force_login(member("Medarbejder", town))
    page = client.get("/kommune/165/figur/reports-per-1000/?period_from=2016&period_to=2016").content.decode()
    assert 'href="/hjaelp/#figur-reports-per-1000"' in page and "Om tallene" in page
    help_page = client.get("/hjaelp/").content.decode()
    for slug in [*FIGURES, "municipality-comparison"]:
        assert f'id="figur-{slug}"' in help_page


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', html)


def test_every_link_in_the_help_page_resolves_inside_the_product(client, analyst):
    page = analyst.get("/hjaelp/").content.decode()
    ids = set(re.findall(r'id="([^"]+)"', page))
    found = links(page)
    assert len([h for h in found if h.startswith("#")]) > 20
    for href in found:
        assert not href.startswith(("http:", "https:", "//")), href
        path, _hash, anchor = href.partition("#")
        if not path:
            assert anchor in ids, href
            continue
        if path.startswith(settings.STATIC_URL) or path.startswith("/" + settings.STATIC_URL):
            continue
        resolve(path.split("?")[0])
        assert analyst.get(path).status_code in (200, 302), href


def test_every_url_in_the_readme_resolves_inside_the_product():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", readme)
    assert "/hjaelp/" in targets
    pages = re.findall(r"^\| `(/[^`]*)` \|", readme, re.M)
    assert "/hjaelp/" in pages and len(pages) > 10
    for target in [*targets, *pages]:
        assert not target.startswith(("..", "http")), target
        if target.startswith("/"):
            try:
                resolve(target.split("?")[0])
            except Resolver404:
                pytest.fail(f"README names {target}, which the product does not have")
        else:
            assert (Path(settings.BASE_DIR) / target).exists(), target


def test_nothing_in_the_repository_points_outside_it():
    tracked = subprocess.run(["git", "grep", "-l", "-e", "../shared", "-e", "/work/shared", "--", "."],
                             cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert [f for f in tracked.stdout.split() if f != "tests/test_help.py"] == []


@pytest.mark.parametrize(("kind", "fmt"), TEMPLATES)
def test_each_template_uploaded_as_it_is_previews_without_errors(analyst, kind, fmt, request):
    if kind in ("categories", "komgrp", "mun_bounds"):  # shared by every municipality: Systemansvarlig uploads them
        analyst = request.getfixturevalue("system_analyst")
    response = analyst.get(f"/hjaelp/skabelon/{kind}.{fmt}")
    assert response.status_code == 200
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert name.endswith("." + fmt)
    uploaded = analyst.post("/import/", {"file": SimpleUploadedFile(name, response.content), "kind": "auto"})
    assert uploaded.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.errors) == (kind, "preview", [])
    assert batch.rows_read == 2  # the two example rows (features, DST cells)
    page = analyst.get(uploaded["Location"]).content.decode()
    assert "Godkend og indlæs" in page


def test_a_template_for_a_format_the_kind_has_not_is_404(client):
    assert client.get("/hjaelp/skabelon/dst.xlsx").status_code == 404
    assert client.get("/hjaelp/skabelon/ukendt.csv").status_code == 404


def test_the_help_page_speaks_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/hjaelp/").content.decode()
    assert "Reported offences (police extract)" in page and "What the figures mean" in page
    assert "Hvad tallene betyder" not in page
