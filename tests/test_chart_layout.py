"""Generic chart helpers for small screens and maps: the source note is marked for the page script, the district map
names each district at its centre in a colour that reads on its fill."""

import pytest

from reports.charts import (
    contrast,
    figure_layout,
    label_point,
    polygon_map,
    source_note,
    text_colour,
)

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
# an L: a 4×1 bar along the bottom and a 1×3 bar up the left side (area 7)
ELL = {"type": "Polygon", "coordinates": [[[10, 0], [14, 0], [14, 1], [11, 1], [11, 4], [10, 4], [10, 0]]]}


def test_source_note_is_named_so_the_page_can_move_it_under_the_chart():
    assert source_note("Kilde: x", y=-0.3)["name"] == "source"
    assert [a["name"] for a in figure_layout(title="T", y_title="Y")["annotations"]] == ["source"]


def test_contrast_follows_wcag():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#777777") == pytest.approx(1.0)
    assert text_colour("#08306b") == "#ffffff"  # the darkest blue of the ramp
    assert text_colour("#deebf7") == "#1a1a1a"  # the lightest


def test_label_point_is_the_centre_of_the_largest_ring():
    assert label_point([SQUARE["coordinates"]]) == pytest.approx((1.0, 1.0))
    # the L's centre by hand: bar 4×1 at (12, 0.5), bar 1×3 at (10.5, 2.5): ((4·12 + 3·10.5)/7, (4·0.5 + 3·2.5)/7)
    assert label_point([ELL["coordinates"]]) == pytest.approx((79.5 / 7, 9.5 / 7))
    small = [[[100, 100], [100.5, 100], [100.5, 100.5], [100, 100]]]
    assert label_point([small, SQUARE["coordinates"]]) == pytest.approx((1.0, 1.0))  # a MultiPolygon: the big part


def test_district_map_names_each_district_in_a_readable_colour():
    chart = polygon_map(features=[("Vester", SQUARE, 10.0), ("Øster", ELL, 40.0), ("Lund", SQUARE, None)], title="Kort")
    [names] = [t for t in chart["data"] if t.get("mode") == "text"]
    assert names["text"] == ["Vester", "Øster", "Lund"]
    assert names["x"][:2] == pytest.approx([1.0, 79.5 / 7]) and names["y"][:2] == pytest.approx([1.0, 9.5 / 7])
    # Vester has the lowest rate (lightest fill), Øster the highest (darkest), Lund no data (grey #d9d9d9)
    assert names["textfont"]["color"] == ["#1a1a1a", "#ffffff", "#1a1a1a"]
    assert names["hoverinfo"] == "skip" and names["showlegend"] is False


def test_a_map_of_many_shapes_can_leave_the_names_out():
    chart = polygon_map(features=[("A", SQUARE, 1.0)], title="Kort", names=False)
    assert [t for t in chart["data"] if t.get("mode") == "text"] == []


def test_the_charts_still_pass_plotlys_schema():
    import plotly.graph_objects as go

    go.Figure(polygon_map(features=[("Vester", SQUARE, 10.0), ("Øster", ELL, 40.0)], title="Kort"))
    go.Figure({"data": [], "layout": figure_layout(title="T", y_title="Y")})
