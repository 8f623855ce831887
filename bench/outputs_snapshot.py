"""Every figure's public outputs for the demo data, written to files, to show a refactoring changed no byte.

Builds a fresh SQLite database in a temporary directory, runs ``load_demo --seed 1``, then writes, for the demo
municipality (Albertslund, 165), through the real URLs and Django's test client:

- every figure's CSV download: all slugs × three period spans (a year, a half-year, a range of years) × staff
  (logged in as the demo analyst) and public (anonymous, with *offentlig visning* switched on), plus the staff
  range with the uncertainty columns (``intervals=1``) and the staff range as JSON;
- each figure page's figure section (chart JSON, table, trend lines) for the same spans and views;
- the demo half-year report's HTML (with its SVG charts) and its PDF's text (decoded with pikepdf: no
  poppler needed).

A refused request (the public view answers 400 for half-years of personal figures) is written as its status and
body. "Now" is frozen, so nothing depends on the day the script runs.

    .venv/bin/python bench/outputs_snapshot.py OUTDIR        # write the snapshot
    .venv/bin/python bench/outputs_snapshot.py --compare DIR # write to a temporary directory, compare, exit 1 on
                                                             # any difference
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import os
import re
import sys
import tempfile
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ["reports-by-period", "reports-per-1000", "offence-mix", "reports-share", "charges-by-category",
         "charges-share", "charged-persons-residence", "young-charged-share"]
SPANS = {"year": ("2024", "2024"), "half": ("2025H1", "2025H1"), "range": ("2016", "2025")}
CODE = "165"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
SECTION = re.compile(r'<section class="figure".*?</section>', re.S)


def snapshot(out: Path, work: Path) -> None:
    os.environ["DKE_VAR_DIR"] = str(work / "var")
    os.environ.pop("DATABASE_URL", None)
    os.environ["CACHE_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["FIGURE_WARM_AFTER_WRITE"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dke_dashboard.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("migrate", verbosity=0)
        call_command("load_demo", seed=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
        from districts.models import Municipality

        Municipality.objects.filter(code=CODE).update(public_view=True)
        staff = Client()
        staff.force_login(get_user_model().objects.get(username="analytiker"))
        views = {"staff": staff, "public": Client()}
        out.mkdir(parents=True, exist_ok=True)

        def write(name: str, response) -> None:
            body = response.content
            if response.status_code != 200:
                body = f"HTTP {response.status_code}\n".encode() + body
            (out / name).write_bytes(body)

        for slug in SLUGS:
            for span, (first, last) in SPANS.items():
                query = f"period_from={first}&period_to={last}"
                for view, client in views.items():
                    write(f"{slug}.{span}.{view}.csv", client.get(f"/kommune/{CODE}/figur/{slug}.csv?{query}"))
                    page = client.get(f"/kommune/{CODE}/figur/{slug}/?{query}")
                    found = SECTION.search(page.content.decode())
                    (out / f"{slug}.{span}.{view}.section.html").write_text(
                        f"HTTP {page.status_code}\n" + (found.group(0) if found else ""))
            query = "period_from=2016&period_to=2025"
            write(f"{slug}.range.staff.intervals.csv",
                  staff.get(f"/kommune/{CODE}/figur/{slug}.csv?{query}&intervals=1"))
            write(f"{slug}.range.staff.json", staff.get(f"/kommune/{CODE}/figur/{slug}.json?{query}"))

        from reports.halfyear.render import report_html, report_pdf
        from reports.models import HalfYearReport

        report = HalfYearReport.objects.filter(municipality__code=CODE, title__startswith="Halvårsrapport") \
            .order_by("pk").first()
        assert report is not None, "load_demo made no half-year report"
        (out / "report.html").write_text(report_html(report, for_pdf=True))
        pdf, _seconds = report_pdf(report)
    (out / "report.pdf.txt").write_text(pdf_text(pdf))


def _to_unicode(font) -> dict[bytes, str]:
    """A font's ToUnicode CMap as {glyph code bytes: text} (the bfchar and bfrange entries WeasyPrint writes)."""
    if "/ToUnicode" not in font:
        return {}
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    table: dict[bytes, str] = {}

    def text(hexes: str) -> str:
        return bytes.fromhex(hexes).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, value in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            table[bytes.fromhex(code)] = text(value)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, rest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[.*?\]|<[0-9a-fA-F]*>)", block):
            width, start, end = len(low) // 2, int(low, 16), int(high, 16)
            values = re.findall(r"<([0-9a-fA-F]*)>", rest)
            for i, code in enumerate(range(start, end + 1)):
                key = code.to_bytes(width, "big")
                if rest.startswith("["):
                    table[key] = text(values[i])
                else:
                    first = bytes.fromhex(values[0])
                    table[key] = (first[:-2] + (int.from_bytes(first[-2:], "big") + i).to_bytes(2, "big")) \
                        .decode("utf-16-be")
    return table


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, page by page, a line per text-showing operator (decoded through the fonts' ToUnicode)."""
    import io

    import pikepdf

    lines = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, 1):
            lines.append(f"--- page {number}")
            fonts = {str(name): font for name, font in page.Resources.get("/Font", {}).items()}
            maps: dict[str, dict[bytes, str]] = {}
            current: dict[bytes, str] = {}
            width = 1
            for operands, operator in pikepdf.parse_content_stream(page):  # type: ignore[misc]
                op = str(operator)
                if op == "Tf":
                    name = str(operands[0])
                    if name not in maps:
                        maps[name] = _to_unicode(fonts[name]) if name in fonts else {}
                    current = maps[name]
                    width = len(next(iter(current))) if current else 1
                elif op in ("Tj", "TJ", "'", '"'):
                    parts = operands[-1] if op == "TJ" else [operands[-1]]
                    raw = b"".join(bytes(p) for p in parts if isinstance(p, pikepdf.String))
                    lines.append("".join(current.get(raw[i:i + width], "?") for i in range(0, len(raw), width)))
    return "\n".join(lines) + "\n"


def compare(expected: Path, actual: Path) -> int:
    names = sorted({p.name for p in expected.iterdir()} | {p.name for p in actual.iterdir()})
    different = [n for n in names if not (expected / n).exists() or not (actual / n).exists()
                 or not filecmp.cmp(expected / n, actual / n, shallow=False)]
    for name in different:
        print(f"DIFFERENT: {name}")
    print(f"{len(names) - len(different)} of {len(names)} files byte-for-byte the same")
    return 1 if different else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", help="where to write the snapshot")
    parser.add_argument("--compare", metavar="DIR", help="compare a fresh snapshot with this one")
    args = parser.parse_args()
    if not args.outdir and not args.compare:
        parser.error("give OUTDIR or --compare DIR")
    with tempfile.TemporaryDirectory(prefix="dke-snapshot-") as work:
        out = Path(args.outdir) if args.outdir else Path(work) / "out"
        snapshot(out, Path(work))
        if args.compare:
            return compare(Path(args.compare), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
