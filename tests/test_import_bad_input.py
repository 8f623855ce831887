"""Bad input: a clear Danish message that says what and where, and nothing stored."""

import pytest
from django.core.management import CommandError, call_command

from importers.services import file_import
from reports.models import ReportedOffence
from tests.importing import import_rejected

pytestmark = pytest.mark.django_db

HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Gerningssted\n"
GOOD = "0400-1-16;1;03-02-2016;73241;165;Hyldespjældet 1\n"


rejected = import_rejected


def test_missing_required_column_names_it_and_lists_headers(reference):
    result = rejected(b"Journalnummer;Anmeldt dato;Kommunekode\n0400-1-16;03-02-2016;165\n", kind="offences")
    assert "mangler den påkrævede kolonne 'Gerningskode'" in result.message
    assert "'Journalnummer', 'Anmeldt dato', 'Kommunekode'" in result.message


def test_unparseable_date_reports_row_column_value(reference):
    result = rejected((HEADER + GOOD + "0400-2-16;1;31-02-2016;73241;165;Bybuen 1\n").encode())
    (problem,) = result.errors
    assert (problem.row, problem.column, problem.value) == (3, "Anmeldt dato", "31-02-2016")
    assert "ikke en dato" in problem.reason


def test_unknown_municipality(reference):
    result = rejected((HEADER + "0400-2-16;1;01-02-2016;73241;Atlantis;Bybuen 1\n").encode())
    assert result.errors[0].column == "Kommunekode" and "Ukendt kommune" in result.errors[0].reason


def test_duplicate_key_inside_file(reference):
    result = rejected((HEADER + GOOD + GOOD).encode())
    assert result.errors[0].row == 3 and "række 2" in result.errors[0].reason


def test_every_bad_row_is_reported_with_a_total(reference):
    rows = "".join(f"0400-{i}-16;1;99-99-2016;73241;165;Vej 1\n" for i in range(1200))
    result = rejected((HEADER + rows).encode())
    assert result.error_total == 1200 and len(result.errors) == 1000
    assert result.batch.error_count == 1200


def test_empty_file(reference):
    assert "tom" in rejected(b"", kind="offences").message
    assert "tom" in rejected(b"  \n\n", kind="offences").message


def test_binary_file_renamed_csv(reference):
    result = rejected(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), name="udtraek.csv")
    assert "ikke en tekstfil" in result.message


def test_xlsx_that_is_not_a_workbook(reference):
    result = rejected(b"Journalnummer;Forhold\n1;1\n", name="udtraek.xlsx", kind="offences")
    assert "ikke en gyldig Excel-projektmappe" in result.message


def test_file_above_size_limit(reference, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    result = rejected((HEADER + GOOD * 5).encode(), kind="offences")
    assert "grænsen er" in result.message


def test_formula_looking_cell_is_kept_as_text(reference):
    data = (HEADER + "0400-1-16;1;03-02-2016;73241;165;=cmd|' /C calc'!A0\n").encode()
    assert file_import(data=data, file_name="f.csv").ok
    assert ReportedOffence.objects.get().address == "=cmd|' /C calc'!A0"


def test_bad_cpr_is_masked_in_the_error(reference):
    data = "Journalnummer;CPR\n0400-1-16;320199-1234\n".encode()
    result = rejected(data)
    assert result.errors[0].value == "******-****"
    assert "320199" not in repr(result.batch.errors)


def test_command_exits_1_with_row_errors(reference, tmp_path, capsys):
    path = tmp_path / "forkert.csv"
    path.write_text(HEADER + "0400-2-16;1;31-02-2016;73241;165;Bybuen 1\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_file", str(path))
    assert caught.value.returncode == 1
    err = capsys.readouterr().err
    assert "række 2, kolonne 'Anmeldt dato', værdi '31-02-2016'" in err
    assert ReportedOffence.objects.count() == 0


def test_command_dry_run_writes_nothing(reference, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    call_command("import_file", str(path), "--dry-run")
    assert ReportedOffence.objects.count() == 0
    assert "1 rækker klar" in capsys.readouterr().out


def test_command_importing_the_same_file_again_says_so_and_exits_0(reference, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    call_command("import_file", str(path))
    call_command("import_file", str(path))  # an analyst's re-run of a script: not an error
    assert "allerede indlæst (samme indhold" in capsys.readouterr().out
    assert ReportedOffence.objects.count() == 1


def test_a_file_with_only_its_header_says_there_is_nothing_to_import(reference):
    result = file_import(data=HEADER.encode(), file_name="tom.csv")
    assert result.ok and result.rows_created == 0
    assert result.warnings == ["Filen har ingen rækker under overskriften: der er intet at indlæse."]
    assert result.batch.warnings == result.warnings
