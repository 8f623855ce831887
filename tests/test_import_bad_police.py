"""Bad police extracts (from the fuzzing pass): a Danish row error that says what and where, nothing stored.

Each test holds one of the inputs that crashed the importer, or that it stored wrong without a word.
"""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from importers.parsers.police import (
    CHARGE_MAX_LENGTHS,
    OFFENCE_MAX_LENGTHS,
    charges_parse,
    offences_parse,
)
from importers.parsers.tables import read_table
from importers.services import file_import, stream
from reports.models import Charge, ReportedOffence
from tests.importing import import_rejected, person_key

pytestmark = pytest.mark.django_db

HEADER = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Gerningssted\n"
GOOD = "0400-1-16;1;03-02-2016;73241;165;Hyldespjældet 1\n"
CHARGES = "Journalnummer;Forhold;Person-ID;Fødselsår;Køn;Bopælskommune;Sigtelsesdato\n"
COMBINED = ("Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Gerningssted;Person-ID;Fødselsår;Køn;"
            "Bopælskommune\n")


def stored() -> tuple[int, int]:
    return ReportedOffence.objects.count(), Charge.objects.count()


rejected = import_rejected


def one_error(result):
    """The only row error: (row, column, value, reason)."""
    assert result.error_total == 1, [p.as_dict() for p in result.errors]
    (problem,) = result.errors
    return problem.row, problem.column, problem.value, problem.reason


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX_HEADER = ["Journalnummer", "Forhold", "Anmeldt dato", "Gerningskode", "Kommunekode", "Gerningssted"]


@pytest.fixture
def chunked(settings, monkeypatch):
    """Every file is streamed, two rows per chunk."""
    settings.IMPORT_STREAM_BYTES = 0
    monkeypatch.setattr(stream, "CHUNK_ROWS", 2)


def streamed_rejected(tmp_path, text: str, *, encoding: str = "utf-8", kind: str = "offences"):
    path = tmp_path / "stor.csv"
    path.write_bytes(text.encode(encoding))
    return import_rejected(None, path.name, path=path, kind=kind)


# --- dates outside pandas' range (crashed) and outside the plausible range ---------------------------

@pytest.mark.parametrize("day", ["31-12-9999", "01-01-0001", "01-01-2300", "31-12-1899"])
def test_report_date_out_of_range_is_a_row_error(reference, day):
    result = rejected((HEADER + GOOD + f"0400-2-16;1;{day};73241;165;Vej 1\n").encode())
    row, column, value, reason = one_error(result)
    assert (row, column, value) == (3, "Anmeldt dato", day)
    assert "ligger uden for de mulige datoer (01-01-1900 til" in reason


def test_report_date_in_the_future_is_a_row_error(reference):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    result = rejected((HEADER + f"0400-2-16;1;{tomorrow:%d-%m-%Y};73241;165;Vej 1\n").encode())
    assert one_error(result)[:3] == (2, "Anmeldt dato", f"{tomorrow:%d-%m-%Y}")


def test_offence_and_charge_dates_out_of_range(reference):
    data = ("Journalnummer;Anmeldt dato;Gerningsdato;Gerningskode;Kommunekode\n"
            "0400-1-16;03-02-2016;9999-12-31;73241;165\n").encode()
    assert one_error(rejected(data))[:3] == (2, "Gerningsdato", "9999-12-31")
    result = rejected("Journalnummer;Forhold;Person-ID;Sigtelsesdato\n0400-1-16;1;P-1;01-01-2300\n".encode())
    assert one_error(result)[:3] == (2, "Sigtelsesdato", "01-01-2300")


def test_xlsx_date_cell_before_1900(reference):
    data = xlsx([XLSX_HEADER, ["0400-1-16", 1, dt.datetime(1600, 1, 1), 73241, 165, "Vej 1"]])
    result = rejected(data, name="udtraek.xlsx")
    row, column, value, reason = one_error(result)
    assert (row, column, value) == (2, "Anmeldt dato", "1600-01-01") and "uden for de mulige datoer" in reason


def test_date_with_an_impossible_time(reference):
    result = rejected((HEADER + "0400-1-16;1;2016-02-03T25:99;73241;165;Vej 1\n").encode())
    row, column, value, reason = one_error(result)
    assert (row, column, value) == (2, "Anmeldt dato", "2016-02-03T25:99") and "klokkeslæt" in reason
    ok = (HEADER + "0400-1-16;1;03-02-2016 22:30;73241;165;Vej 1\n"
          "0400-2-16;1;2016-02-04T08:15:00;73241;165;Vej 1\n").encode()
    assert file_import(data=ok, file_name="ok.csv").ok
    assert set(ReportedOffence.objects.values_list("report_date", flat=True)) == {dt.date(2016, 2, 3),
                                                                                   dt.date(2016, 2, 4)}


# --- Forhold -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("forhold", ["inf", "2.7", "1e3", "1.5", "-1", "3000000000", "12345678901234567",
                                     "99999999999999999999", "٣"])
def test_forhold_must_be_a_whole_number_that_fits(reference, forhold):
    result = rejected((HEADER + f"0400-1-16;{forhold};03-02-2016;73241;165;Vej 1\n"
                       "0400-1-16;1;03-02-2016;73241;165;Vej 1\n").encode())
    row, column, value, reason = one_error(result)  # and no "same key" error on top (1.5 is not 1)
    assert (row, column, value) == (2, "Forhold", forhold)
    assert reason.startswith("Forhold skal være et helt tal")


@pytest.mark.parametrize("forhold", ["inf", "-5"])
def test_charge_forhold_must_be_a_whole_number(reference, forhold):
    result = rejected(f"Journalnummer;Forhold;Person-ID\n0400-1-16;{forhold};P-1\n".encode())
    assert one_error(result)[:3] == (2, "Forhold", forhold)


def test_forhold_written_as_a_decimal_number_is_fine(reference):
    assert file_import(data=(HEADER + "0400-1-16;2.0;03-02-2016;73241;165;Vej 1\n").encode(), file_name="f.csv").ok
    data = xlsx([XLSX_HEADER, ["0400-2-16", 3.0, "03-02-2016", 73241, 165, "Vej 1"]])
    assert file_import(data=data, file_name="f.xlsx").ok
    assert sorted(ReportedOffence.objects.values_list("forhold", flat=True)) == [2, 3]


def test_xlsx_fractional_forhold_and_boolean_initiative(reference):
    header = [*XLSX_HEADER, "Initiativsag"]
    result = rejected(xlsx([header, ["0400-1-16", 1.5, "03-02-2016", 73241, 165, "Vej 1", True]]), name="f.xlsx")
    assert one_error(result)[:3] == (2, "Forhold", "1.5")
    data = xlsx([header, ["0400-1-16", 1, "03-02-2016", 73241, 165, "Vej 1", True],
                 ["0400-2-16", 1, "03-02-2016", 73241, 165, "Vej 1", False]])
    assert file_import(data=data, file_name="g.xlsx").ok
    assert dict(ReportedOffence.objects.values_list("journal_number", "police_initiated")) == {
        "0400-1-16": True, "0400-2-16": False}


def test_forhold_and_dates_in_a_streamed_file_are_row_errors(reference, chunked, tmp_path):
    text = HEADER + "".join(f"0400-{i}-16;1;03-02-2016;73241;165;Vej 1\n" for i in range(4)) + (
        "0400-8-16;inf;03-02-2016;73241;165;Vej 1\n0400-9-16;1;31-12-9999;73241;165;Vej 1\n")
    result = streamed_rejected(tmp_path, text)
    assert [(p.row, p.column, p.value) for p in result.errors] == [(6, "Forhold", "inf"),
                                                                    (7, "Anmeldt dato", "31-12-9999")]
    assert "kunne ikke læses som CSV" not in result.message


# --- lines with more cells than the header, quotes, garbage: Danish, with the line -------------------

def test_first_data_line_with_too_many_cells(reference):
    result = rejected((HEADER + "0400-1-16;1;03-02-2016;73241;165;Vej 1;extra;extra2\n").encode())
    assert "Linje 2 har 8 felter, men overskriften har 6" in result.message
    result = rejected((HEADER + GOOD + "0400-2-16;1;03-02-2016;73241;165;Vej 1;extra\n").encode(), kind="offences")
    assert "Linje 3 har 7 felter, men overskriften har 6" in result.message


@pytest.mark.parametrize("bad_line", [2, 6])
def test_streamed_line_with_too_many_cells(reference, chunked, tmp_path, bad_line):
    lines = [f"0400-{i}-16;1;03-02-2016;73241;165;Vej 1" for i in range(6)]
    lines[bad_line - 2] += ";extra"
    result = streamed_rejected(tmp_path, HEADER + "\n".join(lines) + "\n")
    assert f"Linje {bad_line} har 7 felter, men overskriften har 6" in result.message
    assert "Expected" not in result.message


def test_unbalanced_quote_and_garbage_are_explained_in_danish(reference, chunked, tmp_path):
    data = (HEADER + '0400-1-16;1;03-02-2016;73241;165;"Vej 1\n0400-2-16;1;03-02-2016;73241;165;Vej 2\n').encode()
    result = rejected(data, kind="offences")
    assert "Et anførselstegn (\") i linje 2 lukkes aldrig" in result.message
    assert "EOF" not in result.message and "tokenizing" not in result.message
    result = streamed_rejected(tmp_path, data.decode())
    assert "Et anførselstegn (\") i linje 2 lukkes aldrig" in result.message


def test_garbage_with_ragged_lines(reference):
    result = rejected(b"a;b\n1;2\n3;4\n5;6;7;8\n", kind="offences")
    assert "Linje 4 har 4 felter, men overskriften har 2" in result.message


# --- repeated headers ----------------------------------------------------------------------------------

def test_repeated_header_in_xlsx_and_csv_is_named(reference):
    data = xlsx([[*XLSX_HEADER, "Journalnummer"], ["0400-1-16", 1, "03-02-2016", 73241, 165, "Vej 1", "X"]])
    result = rejected(data, name="f.xlsx")
    assert "har kolonnen/kolonnerne 'Journalnummer' mere end én gang" in result.message
    csv = "Journalnummer;Journalnummer;Anmeldt dato;Gerningskode;Kommunekode\n0400-1-16;0400-2-16;03-02-2016;73241;165\n"
    assert "'Journalnummer' mere end én gang" in rejected(csv.encode()).message


def test_repeated_unused_column_is_harmless(reference):
    data = xlsx([[*XLSX_HEADER, "Note", "Note"], ["0400-1-16", 1, "03-02-2016", 73241, 165, "Vej 1", "a", "b"]])
    assert file_import(data=data, file_name="f.xlsx").ok


# --- text longer than the database takes ---------------------------------------------------------------

def test_max_lengths_agree_with_the_models():
    for name, limit in OFFENCE_MAX_LENGTHS.items():
        assert ReportedOffence._meta.get_field(name).max_length == limit, name
    assert Charge._meta.get_field("journal_number").max_length == CHARGE_MAX_LENGTHS["journal_number"]
    assert Charge._meta.get_field("person_key").max_length == CHARGE_MAX_LENGTHS["person_id"]


@pytest.mark.parametrize(("header", "column", "limit"), [
    ("Journalnummer", "Journalnummer", 40), ("Gerningskode tekst", "Gerningskode tekst", 200),
    ("Gerningssted", "Gerningssted", 200),  # Postnr: test_postcode_is_four_digits_…
])
def test_offence_text_longer_than_the_field(reference, header, column, limit):
    names = ["Journalnummer", "Anmeldt dato", "Gerningskode", "Kommunekode"]
    values = ["0400-1-16", "03-02-2016", "73241", "165"]
    if header not in names:
        names.append(header)
        values.append("")
    long = "9" * (limit + 1)
    values[names.index(header)] = long
    result = rejected((";".join(names) + "\n" + ";".join(values) + "\n").encode())
    row, got_column, value, reason = one_error(result)
    assert (row, got_column) == (2, column)
    assert value.startswith("9" * min(limit, 60)) and f"højst {limit} tegn, her {limit + 1}" in reason


def test_person_id_longer_than_the_field(reference):
    result = rejected(f"Journalnummer;Forhold;Person-ID\n0400-1-16;1;{'P' * 200}\n".encode())
    row, column, value, reason = one_error(result)
    assert (row, column) == (2, "Person-ID") and "højst 64 tegn, her 200" in reason
    assert len(value) < 100  # shortened in the message


# --- charges: sex and birth year -----------------------------------------------------------------------

def test_sex_must_be_m_or_k_in_a_known_spelling(reference):
    data = (CHARGES + "0400-1-16;1;P-1;1990;Mand;165;\n0400-1-16;1;P-2;1990;kvinde;165;\n"
            "0400-1-16;1;P-3;1990;Mystery;165;\n").encode()
    assert one_error(rejected(data))[:3] == (4, "Køn", "Mystery")
    data = (CHARGES + "0400-1-16;1;P-1;1990;Mand;165;\n0400-1-16;1;P-2;1990;kvinde;165;\n"
            "0400-1-16;1;P-3;1990;K;165;\n").encode()
    assert file_import(data=data, file_name="ok.csv").ok
    assert dict(Charge.objects.values_list("person_key", "sex")) == {
        person_key("P-1"): "M", person_key("P-2"): "K", person_key("P-3"): "K"}  # ids are stored keyed


def test_fractional_birth_year(reference):
    result = rejected((CHARGES + "0400-1-16;1;P-1;1998.7;M;165;\n").encode())
    assert one_error(result)[:3] == (2, "Fødselsår", "1998.7")


# --- offences: coordinates, initiative, codes ----------------------------------------------------------

@pytest.mark.parametrize(("x", "y", "bad"), [("inf", "6175067", ["X"]), ("709486", "-inf", ["Y"]),
                                              ("1e308", "1e309", ["Y"]), ("inf", "-inf", ["X", "Y"])])
def test_coordinates_must_be_finite(reference, x, y, bad):
    data = f"Journalnummer;Anmeldt dato;Gerningskode;Kommunekode;X;Y\n0400-1-16;03-02-2016;73241;165;{x};{y}\n"
    result = rejected(data.encode())
    assert [(p.row, p.column, p.reason) for p in result.errors] == [(2, c, "Koordinaten er ikke et tal") for c in bad]


def test_coordinates_outside_denmark_give_a_warning(reference, chunked, tmp_path):
    text = ("Journalnummer;Anmeldt dato;Gerningskode;Kommunekode;X;Y\n"
            "0400-1-16;03-02-2016;73241;165;6175067,2;709486,8\n0400-2-16;03-02-2016;73241;165;12,37;55,68\n"
            "0400-3-16;03-02-2016;73241;165;709486,8;6175067,2\n")
    parsed = offences_parse(read_table(text.encode(), file_name="f.csv")[""], file_name="f.csv",
                            municipalities={"165": "Albertslund"}, default_municipality=None)
    assert not parsed.problems
    (warning,) = parsed.warnings
    assert warning.startswith("2 anmeldelser har en koordinat uden for Danmark") and "række 2" in warning
    path = tmp_path / "xy.csv"
    path.write_text(text, encoding="utf-8")
    result = file_import(path=path, file_name=path.name, kind="offences")  # streamed: its warnings are shown
    assert result.ok and any("uden for Danmark" in w for w in result.warnings)


def test_initiative_must_be_j_or_n(reference):
    data = ("Journalnummer;Anmeldt dato;Gerningskode;Kommunekode;Initiativsag\n"
            "0400-1-16;03-02-2016;73241;165;Måske\n0400-2-16;03-02-2016;73241;165;nej\n").encode()
    row, column, value, reason = one_error(rejected(data))
    assert (row, column, value, reason) == (2, "Initiativsag", "Måske", "Initiativsag skal være J eller N")
    data = ("Journalnummer;Anmeldt dato;Gerningskode;Kommunekode;Initiativsag\n"
            "0400-1-16;03-02-2016;73241;165;Ja\n0400-2-16;03-02-2016;73241;165;nej\n"
            "0400-3-16;03-02-2016;73241;165;\n").encode()
    assert file_import(data=data, file_name="ok.csv").ok
    assert dict(ReportedOffence.objects.values_list("journal_number", "police_initiated")) == {
        "0400-1-16": True, "0400-2-16": False, "0400-3-16": None}


def test_offence_code_in_other_digits(reference):
    result = rejected((HEADER + "0400-1-16;1;03-02-2016;٧٣٢٤١;165;Vej 1\n").encode())
    assert one_error(result)[:3] == (2, "Gerningskode", "٧٣٢٤١")


# --- combined sheet: the same offence with other data --------------------------------------------------

def test_combined_sheet_conflicting_offence_data_names_both_rows(reference):
    data = (COMBINED + "0400-1-17;1;02-05-2017;84110;165;Hyldespjældet 4;P-1;1998;M;165\n"
            "0400-1-17;1;02-05-2017;84110;165;Hyldespjældet 4;P-2;1999;K;165\n"
            "0400-1-17;1;03-05-2017;73241;165;Bybuen 9;P-3;1999;K;165\n").encode()
    row, column, value, reason = one_error(rejected(data))
    assert (row, column, value) == (4, "Anmeldt dato", "03-05-2017")
    assert "Samme anmeldelse" in reason and "række 2" in reason and "'02-05-2017'" in reason


def test_combined_sheet_same_offence_spelled_differently_is_fine(reference):
    data = (COMBINED + "0400-1-17;1;02-05-2017;84110;165;Hyldespjældet 4;P-1;1998;M;165\n"
            "0400-1-17;1;2017-05-02;84110;Albertslund;Hyldespjældet 4;P-2;1999;K;165\n").encode()
    result = file_import(data=data, file_name="k.csv")
    assert result.ok, result.errors
    assert stored() == (1, 2)


def test_streamed_offences_with_conflicting_repeats(reference, chunked, tmp_path):
    text = HEADER + GOOD + "0400-1-16;1;03-02-2016;73241;165;Bybuen 9\n"
    result = streamed_rejected(tmp_path, text)
    row, column, value, reason = one_error(result)
    assert (row, column, value) == (3, "Gerningssted", "Bybuen 9") and "række 2" in reason


# --- encodings -----------------------------------------------------------------------------------------

def test_mixed_utf8_and_cp1252_lines_are_each_read_right(reference):
    data = HEADER.encode() + GOOD.encode("utf-8") + "0400-2-16;1;03-02-2016;73241;165;Hyldespjældet 2\n".encode(
        "cp1252")
    result = file_import(data=data, file_name="blandet.csv")
    assert result.ok, result.errors
    assert sorted(ReportedOffence.objects.values_list("address", flat=True)) == ["Hyldespjældet 1",
                                                                                 "Hyldespjældet 2"]
    assert sum("blander tegnsæt" in w for w in result.warnings) == 1  # offences' warnings reach the batch
    charges = CHARGES.encode() + "0400-1-16;1;P-1;1990;M;Høje-Taastrup;\n".encode("utf-8") + (
        "0400-1-16;1;P-2;1990;K;Høje-Taastrup;\n".encode("cp1252"))
    result = file_import(data=charges, file_name="sigtelser.csv")
    assert result.ok, result.errors
    assert any("blander tegnsæt" in w for w in result.warnings)


def test_utf8_bom_over_cp1252_bytes(reference):
    data = b"\xef\xbb\xbf" + (HEADER + GOOD).encode("cp1252")
    result = file_import(data=data, file_name="bom.csv")
    assert result.ok, result.errors
    assert ReportedOffence.objects.get().address == "Hyldespjældet 1"


def test_streamed_file_with_damaged_letters_warns(reference, chunked, tmp_path):
    path = tmp_path / "blandet.csv"
    path.write_bytes(HEADER.encode() + GOOD.encode("cp1252") + "0400-2-16;1;03-02-2016;73241;165;Hyldespjældet 2\n"
                     .encode("utf-8"))
    result = file_import(path=path, file_name=path.name, kind="offences")
    assert result.ok, result.errors
    assert any("ødelagte danske bogstaver" in w and "'Gerningssted'" in w for w in result.warnings)


def test_charges_parser_passes_on_the_decoding_warning():
    data = CHARGES.encode() + "0400-1-16;1;P-1;1990;M;Høje-Taastrup;\n".encode("utf-8") + (
        "0400-1-16;1;P-2;1990;K;Høje-Taastrup;\n".encode("cp1252"))
    raw = read_table(data, file_name="s.csv")[""]
    parsed = charges_parse(raw, file_name="s.csv", municipalities={"169": "Høje-Taastrup"}, secret="x",
                           as_of_year=2026)
    assert any("blander tegnsæt" in w for w in parsed.warnings)


def test_postcode_is_four_digits_and_a_town_name_after_them_is_left_out(reference):
    header = "Journalnummer;Forhold;Anmeldt dato;Gerningskode;Kommunekode;Postnr\n"
    result = file_import(data=(header + "0400-1-16;1;03-02-2016;73241;165;2620 Albertslund\n"
                               "0400-2-16;1;03-02-2016;73241;165;2620\n").encode(), file_name="ok.csv")
    assert result.ok and set(ReportedOffence.objects.values_list("postcode", flat=True)) == {"2620"}
    for value in ("262", "26200", "abcd", "٢٦٢٠"):
        result = rejected((header + f"0400-3-16;1;03-02-2016;73241;165;{value}\n").encode())
        assert one_error(result) == (2, "Postnr", value, "Postnummeret skal være fire cifre (fx 2620)")


def test_a_combined_sheets_file_warning_is_shown_once(reference):
    row = "0400-1-16;1;03-02-2016;73241;165;Hyldespjældet 1;P-1;1990;M;165\n"
    data = COMBINED.encode() + row.encode("utf-8") + row.replace("0400-1-16", "0400-2-16").encode("cp1252")
    result = file_import(data=data, file_name="samlet.csv", kind="police")
    assert result.ok, result.errors
    assert sum("blander tegnsæt" in w for w in result.warnings) == 1


def test_xlsx_row_errors_name_the_sheet_row_also_below_blank_rows(reference):
    data = xlsx([["Journalnummer", "Forhold", "Anmeldt dato", "Gerningskode", "Kommunekode"],
                 ["0400-1-16", 1, "03-02-2016", "73241", "165"],
                 [None, None, None, None, None],  # a blank row in the sheet
                 ["0400-2-16", 1, "31-02-2016", "73241", "165"]])
    row, column, value, _reason = one_error(rejected(data, "udtraek.xlsx"))
    assert (row, column, value) == (4, "Anmeldt dato", "31-02-2016")


def test_an_offence_committed_after_it_was_reported_is_kept_with_a_warning(reference, chunked, tmp_path):
    header = "Journalnummer;Forhold;Anmeldt dato;Gerningsdato;Gerningskode;Kommunekode\n"
    rows = ["0400-1-16;1;03-02-2016;01-02-2016;73241;165\n", "0400-2-16;1;03-02-2016;05-02-2016;73241;165\n",
            "0400-3-16;1;03-02-2016;;73241;165\n", "0400-4-16;1;03-02-2016;09-09-2016;73241;165\n",
            "0400-5-16;1;03-02-2016;03-02-2016;73241;165\n"]
    path = tmp_path / "stor.csv"  # streamed two rows a chunk: the chunks' warnings add up to one
    path.write_text(header + "".join(rows), encoding="utf-8")
    result = file_import(path=path, file_name=path.name, kind="offences")
    assert result.ok and ReportedOffence.objects.count() == 5
    assert [w for w in result.warnings if "gerningsdato efter" in w] == [
        "2 anmeldelser har en gerningsdato efter anmeldelsesdatoen. De er indlæst; kontrollér datoerne i "
        "politiets system."]


def test_an_offence_committed_after_it_was_reported_warns_in_a_small_file_too(reference):
    data = ("Journalnummer;Forhold;Anmeldt dato;Gerningsdato;Gerningskode;Kommunekode\n"
            "0400-1-16;1;03-02-2016;09-09-2016;73241;165\n").encode()
    result = file_import(data=data, file_name="lille.csv")
    assert result.ok and any(w.startswith("1 anmeldelser har en gerningsdato efter") for w in result.warnings)
