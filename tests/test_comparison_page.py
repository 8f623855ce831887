"""The comparison page answers a manager's question: peers by name, groups as median and range, several
offence groups from DST's list, the municipality marked on chart and map, the national series' source.

Numbers (2016, STRAF11 by quarter; population on 1 July 2016):
  Albertslund 165: TOT 100+110+120+130 = 460 / 23.000 → 20,0;  12 (vold): 4×10 = 40 / 23.000 → 1,739…
  Ishøj 183:       TOT  50+ 50+ 60+ 70 = 230 / 23.000 → 10,0;  12: 4×5 = 20 → 0,869…
  Brøndby 153:     TOT  80+ 85+ 90+ 90 = 345 / 23.000 → 15,0;  12: 4×15 = 60 → 2,608…
Hovedstadskommuner (these three have numbers): median 15,0, lowest 10,0, highest 20,0.
"""

import datetime as dt

import pytest

from comparisons.models import DstValue
from comparisons.services import ComparisonError, peers_parse
from districts.models import PopulationCount
from tests.pages import page_charts, without_tokens

pytestmark = pytest.mark.django_db
NUMBERS = {"165": ([100, 110, 120, 130], 10), "183": ([50, 50, 60, 70], 5), "153": ([80, 85, 90, 90], 15)}


@pytest.fixture
def straf11(reference):
    for code, (total, violence) in NUMBERS.items():
        PopulationCount.objects.create(municipality=reference[code], date=dt.date(2016, 7, 1), count=23000)
        for q, value in enumerate(total, start=1):
            DstValue.objects.create(table="STRAF11", area_code=code, dims="OVERTRÆD=TOT", period=f"2016K{q}", value=value)
            DstValue.objects.create(table="STRAF11", area_code=code, dims="OVERTRÆD=12", period=f"2016K{q}",
                                    value=violence)
    return reference


@pytest.fixture
def viewer(client, member, straf11):
    client.force_login(member("Medarbejder", straf11["165"]))
    return client


def test_peers_by_name_case_free_with_danish_letters_codes_groups_and_police_district(reference):
    albertslund = reference["165"]
    assert peers_parse(albertslund, "Ishøj, BRØNDBY").singles == ["183", "153"]
    assert peers_parse(albertslund, "ishøj,153,000").singles == ["183", "153", "000"]
    group = peers_parse(albertslund, "hovedstadskommuner")
    assert group.groups[0][0] == "Hovedstadskommuner" and len(group.groups[0][1]) == 24
    police = peers_parse(albertslund, "Københavns Vestegns Politi").groups[0]
    assert police[0] == "Københavns Vestegns Politi" and {"165", "183", "153"} <= set(police[1])
    with pytest.raises(ComparisonError, match="Ukendt kommune eller kommunegruppe: Ishj. Mente du Ishøj?"):
        peers_parse(albertslund, "Ishj")


def test_page_with_peers_typed_as_names_and_two_offence_groups(viewer):
    response = viewer.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016&category=TOT&category=12"
                          "&peers=Ish%C3%B8j%2C+Br%C3%B8ndby")
    assert response.status_code == 200
    page = response.content.decode()
    total, violence, country_map = page_charts(page)
    own = total["data"][0]
    assert own["name"] == "Albertslund" and own["y"] == [20.0] and own["line"]["width"] == 4
    assert {a["text"] for a in total["layout"]["annotations"] if a.get("xref") == "x"} == {
        "Albertslund", "Ishøj", "Brøndby"}  # each line labelled at its end
    assert [t["y"] for t in total["data"][1:]] == [[10.0], [15.0]]
    assert violence["data"][0]["y"] == [pytest.approx(40 / 23000 * 1000)]
    assert "Voldsforbrydelser i alt pr. 1.000 indbyggere" in violence["layout"]["title"]["text"]
    # the table under each chart has the chart's numbers
    assert '<th scope="row">2016</th><td class="num">20,0</td><td class="num">10,0</td><td class="num">15,0</td>' in page
    # the map marks the municipality and its peers
    outlines = {t["name"]: t["line"]["width"] for t in country_map["data"] if t.get("showlegend")}
    assert outlines == {"Sammenligningskommuner": 2, "Albertslund": 3.5}


def test_a_komgrp_group_is_its_median_and_range_not_24_lines(viewer):
    page = viewer.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016&category=TOT"
                      "&peers=Hovedstadskommuner").content.decode()
    chart = page_charts(page)[0]
    names = [t["name"] for t in chart["data"]]
    assert names == ["Albertslund", "Hovedstadskommuner: laveste–højeste", "Hovedstadskommuner: laveste–højeste",
                     "Hovedstadskommuner (median)", "Hovedstadskommuner: de enkelte kommuner"]
    low, high, median, members = chart["data"][1:]
    assert (low["y"], high["y"], median["y"]) == ([10.0], [20.0], [15.0])
    assert members["visible"] == "legendonly"  # on demand
    assert ('<td class="num">20,0</td><td class="num">15,0</td><td class="num">10,0</td><td class="num">20,0</td>'
            in page)
    assert "medianen af gruppens 24 kommuner" in page
    shown = page_charts(viewer.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016&category=TOT"
                                   "&peers=Hovedstadskommuner&members=1").content.decode())[0]
    assert shown["data"][4]["visible"] is True


def test_many_single_peers_are_drawn_as_a_group(viewer):
    page = viewer.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016"
                      "&peers=101,147,151,153,155,157,183").content.decode()
    names = [t["name"] for t in page_charts(page)[0]["data"]]
    assert "Valgte kommuner (median)" in names and "Ishøj" not in names


def test_the_country_is_dsts_own_series_when_there_else_the_sum_and_the_page_says_which(viewer):
    url = "/kommune/165/sammenligning/?period_from=2016&period_to=2016&peers=000"
    page = viewer.get(url).content.decode()
    assert "summen af kommunernes tal" in page
    # 460 + 230 + 345 = 1.035 reports over 69.000 residents = 15,0
    assert page_charts(page)[0]["data"][1]["y"] == [pytest.approx(15.0)]
    for q in range(1, 5):
        DstValue.objects.create(table="STRAF11", area_code="000", dims="OVERTRÆD=TOT", period=f"2016K{q}", value=1000)
    DstValue.objects.create(table="FOLK1A", area_code="000", dims="", period="2016K3", value=100000)
    page = viewer.get(url).content.decode()
    assert "Danmarks Statistiks eget tal for hele landet" in page
    assert page_charts(page)[0]["data"][1]["y"] == [40.0]


def test_unknown_offence_and_peer_are_a_400_with_the_form(viewer):
    response = viewer.get("/kommune/165/sammenligning/?category=XYZ")
    assert response.status_code == 400 and "Ukendt overtrædelse: XYZ" in response.content.decode()
    response = viewer.get("/kommune/165/sammenligning/?peers=Atlantis")
    assert response.status_code == 400 and "Ukendt kommune eller kommunegruppe: Atlantis" in response.content.decode()


def test_the_offence_list_is_grouped_as_dst_groups_it(viewer):
    page = viewer.get("/kommune/165/sammenligning/?period_from=2016&period_to=2016").content.decode()
    assert '<optgroup label="Voldsforbrydelser i alt"><option value="12">Voldsforbrydelser i alt (12)</option>' in page
    assert '<option value="1320">— Indbrud i beboelser (1320)</option>' in page
    assert '<option value="TOT" selected>' in page


def test_the_download_has_every_chosen_municipality_and_offence_group(viewer):
    response = viewer.get("/kommune/165/sammenligning.csv?period_from=2016&period_to=2016&category=TOT&category=12"
                          "&peers=Ish%C3%B8j")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "period,municipality_code,municipality,category,reports,population,reports_per_1000"
    assert "2016,165,Albertslund,TOT,460,23000,20.0" in lines and len(lines) == 1 + 2 * 2


def test_the_page_is_cached_by_data_version(viewer, django_assert_max_num_queries):
    url = "/kommune/165/sammenligning/?period_from=2016&period_to=2016&peers=Hovedstadskommuner"
    first = without_tokens(viewer.get(url).content.decode())
    # session, user, access, data version; no series read; +3 for the page's ETag (data version, roles, groups:
    # dke_dashboard/conditional.py)
    with django_assert_max_num_queries(11):
        assert without_tokens(viewer.get(url).content.decode()) == first
    DstValue.objects.filter(area_code="183", period="2016K1").update(value=0)
    from reports.versioning import data_changed

    data_changed()
    assert without_tokens(viewer.get(url).content.decode()) != first


def test_export_figure_takes_peers_by_name_and_names_a_wrong_one(straf11, capsys):
    from django.core.management import CommandError, call_command

    call_command("export_figure", "municipality-comparison", "--municipality", "165", "--period", "2016",
                 "--peers", "Ishøj,brøndby", "--categories", "TOT")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["2016,165,Albertslund,TOT,460,23000,20.0", "2016,183,Ishøj,TOT,230,23000,10.0",
                         "2016,153,Brøndby,TOT,345,23000,15.0"]
    with pytest.raises(CommandError, match="Ukendt kommune eller kommunegruppe: Ishj. Mente du Ishøj?"):
        call_command("export_figure", "municipality-comparison", "--municipality", "165", "--period", "2016",
                     "--peers", "Ishj")
