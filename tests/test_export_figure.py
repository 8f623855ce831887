import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_export_figure_csv_to_stdout(town, capsys):
    call_command("export_figure", "reports-per-1000", "--municipality", "165", "--period", "2016H1",
                 "--to", "2016H2", "--categories", "tyveri,vold")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "period,district,reports,population,reports_per_1000"
    assert "2016H2,Vester,1,1000,1.0" in lines  # V2 tyveri, 1 Aug; a count is an integer (never 1000.0)
    assert not lines[0].startswith("\ufeff")  # the command writes no BOM (web downloads do)


def test_export_figure_offence_basis_json_to_file(town, tmp_path):
    out = tmp_path / "fig.json"
    call_command("export_figure", "reports-by-period", "--municipality", "165", "--period", "2016",
                 "--date-basis", "offence", "--format", "json", "--output", str(out))
    assert '"district": "Lund", "category": "tyveri", "reports": 0' in out.read_text()


def test_export_figure_errors(town):
    with pytest.raises(CommandError, match="Ukendt figur"):
        call_command("export_figure", "nope", "--municipality", "165", "--period", "2016")
    with pytest.raises(CommandError, match="Ukendt kommunekode"):
        call_command("export_figure", "reports-by-period", "--municipality", "999", "--period", "2016")
