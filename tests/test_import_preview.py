"""The import preview shows the file as read: its own text beside the parsed value, errors sorted and grouped,
and web messages that speak of the form's fields (never of command-line options)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from importers.models import ImportBatch
from importers.services.results import errors_grouped

pytestmark = pytest.mark.django_db

HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode\n"


def upload(client, name, data, **fields):
    response = client.post("/import/", {"file": SimpleUploadedFile(name, data), "kind": "auto", **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).content.decode()


def cells(page: str) -> list[list[str]]:
    """The preview table's cells as text (tags removed, spaces squeezed)."""
    body = page.split("De første rækker, som de er læst", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in rows]


def test_a_bad_forhold_shows_as_written_and_an_empty_one_empty(analyst):
    data = (HEADER + "0400-1;x;03-02-2016;73241;165\n0400-2;;04-02-2016;73241;\n").encode()
    page = upload(analyst, "anmeldelser.csv", data)
    first, second = cells(page)
    assert first[1] == "x → læst som fejl"  # "x → fejl" on screen; the arrow is hidden from screen readers
    assert '<span aria-hidden="true">→</span>' in page
    assert second[1] == ""  # an empty Forhold is empty, not the 1 it stands for, nor -3
    assert second[7] == ""  # an empty Kommunekode: empty, never "nan"
    assert "nan" not in " ".join(first + second) and "-3" not in " ".join(first + second)


def test_the_file_text_stands_beside_the_parsed_value_where_they_differ(analyst):
    data = (HEADER + "0400-1;2;2016-02-03;73241;Albertslund\n").encode()
    row = cells(upload(analyst, "anmeldelser.csv", data))[0]
    assert row[0] == "0400-1" and row[1] == "2"  # the same: shown once
    assert row[2] == "2016-02-03 → læst som 03-02-2016"
    assert row[7] == "Albertslund → læst som 165"


def test_errors_are_sorted_by_row_then_column_and_grouped_when_they_repeat(analyst):
    lines = [f"0400-{n};1;{'31-02-2016' if n >= 3 else '03-02-2016'};{'7' if n == 4 else '73241'};165"
             for n in range(1, 9)]
    page = upload(analyst, "anmeldelser.csv", (HEADER + "\n".join(lines) + "\n").encode())
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and batch.error_count == 7
    table = page.split("fejl</caption>", 1)[1].split("</table>", 1)[0]
    rows = [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    # file rows 4–9 have a bad Anmeldt dato (one problem, six rows); row 5 also a bad Gerningskode
    assert rows[0][:3] == ["4, 5, 6 …", "Anmeldt dato", "31-02-2016"]
    assert rows[0][3].startswith("Anmeldt dato kan ikke læses i 6 rækker: 4, 5, 6 …")
    assert rows[1][:3] == ["5", "Gerningskode", "7"]


def test_errors_grouped_orders_by_row_and_column():
    errors = [{"row": 9, "column": "B", "value": "1", "reason": "r"}, {"row": 2, "column": "B", "value": "2", "reason": "s"},
              {"row": 2, "column": "A", "value": "3", "reason": "t"}, {"row": None, "column": "", "value": "",
                                                                     "reason": "hele filen"}]
    assert [(e["rows"], e["column"]) for e in errors_grouped(errors)] == [("", ""), ("2", "A"), ("2", "B"), ("9", "B")]


WEB_REFUSALS = [
    ("api_en.csv", "dst/api_en.csv", {}),
    ("uden_titel.csv", "dst/uden_titel.csv", {}),
    ("ukendt.csv", None, {}),
    ("sigtelser.csv", "import/sigtelser_cpr.csv", {"replace_from": "2016-01-01", "replace_to": "2016-12-31"}),
]


@pytest.mark.parametrize(("name", "path", "fields"), WEB_REFUSALS)
def test_no_web_message_mentions_a_command_line_option(analyst, name, path, fields):
    from pathlib import Path

    data = (Path(__file__).parent / "data" / path).read_bytes() if path else b"Foo;Bar\n1;2\n"
    page = upload(analyst, name, data, **fields)
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    text = " ".join(e["reason"] for e in batch.errors)
    assert "--" not in text and "--" not in re.sub(r"<!--.*?-->", "", page.split("<main", 1)[1])
    assert "'" in text  # names a field of the form: 'DST-tabel', 'Filtype', 'Erstat periode'


def test_the_command_line_keeps_its_options_in_its_messages(reference, tmp_path, capsys):
    from pathlib import Path

    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "api_en.csv"
    path.write_bytes((Path(__file__).parent / "data" / "dst" / "api_en.csv").read_bytes())
    with pytest.raises(CommandError) as refused:
        call_command("import_file", str(path))
    assert "--dst-table" in str(refused.value) and "--dst-table" in capsys.readouterr().err


def test_a_rejected_import_writes_an_audit_entry_without_the_files_content(analyst):
    data = (HEADER + "0400-1;1;31-02-2016;73241;165\n0400-HEMMELIG;1;x;73241;165\n").encode()
    upload(analyst, "afvist.csv", data)
    batch = ImportBatch.objects.get()
    entry = AuditEntry.objects.get(action="import_rejected")
    assert entry.username == "analytiker" and entry.municipality.code == "165"
    assert entry.target == f"#{batch.pk} afvist.csv: 2 fejl"
    assert entry.details == {"kind": "offences", "sha256": batch.sha256, "errors": 2, "preview": True}
    stored = repr(entry.target) + repr(entry.details)
    assert "HEMMELIG" not in stored and "31-02-2016" not in stored
    page = analyst.get("/revision/").content.decode()
    assert "fil afvist" in page and "afvist.csv: 2 fejl" in page
