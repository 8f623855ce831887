"""Charts on a phone (390×844) and on a desktop (1366×900): for every chart on the dashboard and on figure pages
no two of its title, legend, notes, axis labels and toolbar overlap, no text is cut off at the chart's edge, every
category tick shows a whole label of the data ("2016", never "201"), and the page never scrolls sideways."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (apt-get install chromium)"),
]

# Every chart's parts as boxes, and what is wrong with them: a list of readable problems (empty when all is well).
CHECK = """() => {
  const problems = [];
  const R = (b) => ({left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height});
  const unionOf = (nodes) => {
    let out = null;
    nodes.forEach((n) => {
      const b = n.getBoundingClientRect();
      if (!b.width || !b.height) { return; }
      out = out ? {left: Math.min(out.left, b.left), right: Math.max(out.right, b.right),
                   top: Math.min(out.top, b.top), bottom: Math.max(out.bottom, b.bottom)} : R(b);
    });
    return out;
  };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const inside = (a, s) => a.left >= s.left - 1 && a.right <= s.right + 1 && a.top >= s.top - 1 && a.bottom <= s.bottom + 1;
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const name = el.id || el.getAttribute("data-chart");
    const svgNode = el.querySelector(".main-svg");
    if (!svgNode) { problems.push(`${name}: not drawn`); return; }
    const svg = R(el.getBoundingClientRect());
    const parts = {};
    const title = el.querySelector(".gtitle");
    if (title && title.textContent) { parts.title = unionOf([title]); }
    const legend = el.querySelector(".legend");
    if (legend) { parts.legend = unionOf([legend.querySelector(".bg") || legend]); }
    el.querySelectorAll(".annotation").forEach((a, i) => {
      if (a.textContent.trim()) { parts[`note ${i} "${a.textContent.slice(0, 25)}"`] = unionOf([a]); }
    });
    const modebar = el.querySelector(".modebar-container");
    if (modebar && getComputedStyle(modebar).display !== "none" && el._context.displayModeBar !== false) {
      parts.toolbar = unionOf(el.querySelectorAll(".modebar-btn"));
    }
    parts["x labels"] = unionOf(el.querySelectorAll(".xaxislayer-above .xtick text, .g-xtitle text"));
    parts["y title"] = unionOf(el.querySelectorAll(".g-ytitle text"));
    Object.entries(parts).forEach(([what, box]) => {
      if (box && !inside(box, svg)) { problems.push(`${name}: ${what} cut at the chart's edge`); }
    });
    const names = Object.keys(parts).filter((k) => parts[k]);
    names.forEach((a, i) => names.slice(i + 1).forEach((b) => {
      if (overlap(parts[a], parts[b])) { problems.push(`${name}: ${a} overlaps ${b}`); }
    }));
    const values = new Set();
    (el.data || []).forEach((t) => [t.x, t.y].forEach((vs) => (vs || []).forEach((v) => values.add(String(v)))));
    ["x", "y"].forEach((axis) => {
      const full = el._fullLayout[`${axis}axis`];
      el.querySelectorAll(`.${axis}axislayer-above .${axis}tick text`).forEach((t) => {
        if (!inside(R(t.getBoundingClientRect()), svg)) { problems.push(`${name}: ${axis} label "${t.textContent}" cut`); }
        if (full && full.visible && full.type === "category" && !values.has(t.textContent)) {
          problems.push(`${name}: ${axis} label "${t.textContent}" is not a whole label of the data`);
        }
      });
    });
  });
  if (document.documentElement.scrollWidth > window.innerWidth) {
    const W = window.innerWidth;
    const clipped = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") { return true; } } return false; };
    const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > W && !clipped(e))
      .map((e) => `${e.tagName}.${e.getAttribute("class")} ${Math.round(e.getBoundingClientRect().right)}`);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      range.selectNodeContents(n);
      if (range.getBoundingClientRect().right > W && !clipped(n)) { wide.push(`text "${n.textContent.trim().slice(0, 40)}"`); }
    }
    wide.splice(5);
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in ${window.innerWidth} (${wide})`);
  }
  return problems;
}"""


@pytest.fixture
def page(browser_login, town, member):
    member("Medarbejder", town)
    return browser_login("medarbejder")


def drawn(page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(el => el.querySelector('.main-svg'))")
    page.wait_for_timeout(400)  # a chart may place its legend after a first look
    return page.evaluate(CHECK)


@pytest.mark.parametrize("width, height", [(390, 844), (320, 640), (1366, 900)], ids=["phone", "small-phone", "desktop"])
def test_charts_fit_the_screen(page, live_server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    paths = ["/kommune/165/?period_from=2015&period_to=2016",
             "/kommune/165/figur/reports-per-1000/?period_from=2015&period_to=2016",
             "/kommune/165/figur/charged-persons-residence/?period_from=2016"]
    problems = {path: drawn(page, f"{live_server.url}{path}") for path in paths}
    found = {path: found for path, found in problems.items() if found}
    assert found == {}, "\n".join(f"{path}: {p}" for path, ps in found.items() for p in ps)
    # the charts' source lines are under them, as text on the page (screen readers read it)
    page.goto(f"{live_server.url}/kommune/165/figur/charged-persons-residence/?period_from=2016")
    page.wait_for_selector(".chart-note")
    note = page.locator(".chart-note").first.inner_text()
    assert note.startswith("Kilde:") and "Bemærk" in note
    if width < 600:  # no toolbar on a phone: the table's links download the data
        assert page.evaluate("document.querySelector('[data-chart]')._context.displayModeBar") is False


def test_charts_fit_again_when_the_window_narrows(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 900})
    path = f"{live_server.url}/kommune/165/figur/charged-persons-residence/?period_from=2016"
    assert drawn(page, path) == []
    page.set_viewport_size({"width": 390, "height": 844})  # a window made narrow, or a phone turned
    page.wait_for_timeout(1500)  # Plotly resizes, then the chart is fitted anew
    assert page.evaluate(CHECK) == []
    assert page.evaluate("document.querySelector('[data-chart]')._fullLayout.width") <= 390


def square(x: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, 55.6], [x + 0.05, 55.6], [x + 0.05, 55.65], [x, 55.65], [x, 55.6]]]}


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_district_map_names_the_districts(page, live_server, town, width, height):
    from districts.models import District

    for i, name in enumerate(["Vester", "Øster", "Lund"]):
        District.objects.filter(municipality=town, name=name).update(boundary=square(12.3 + 0.05 * i))
    page.set_viewport_size({"width": width, "height": height})
    assert drawn(page, f"{live_server.url}/kommune/165/?period_from=2016&period_to=2016") == []
    chart = page.locator("[data-chart=district-map-data]")
    assert sorted(chart.locator(".textpoint").all_text_contents()) == ["Lund", "Vester", "Øster"]
    centres = chart.locator(".textpoint").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().x)")
    assert centres == sorted(centres)  # Vester, Øster, Lund from west to east, as drawn


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_comparison_charts_fit_the_screen(browser_login, live_server, reference, member, width, height):
    import datetime as dt

    from comparisons.models import DstValue
    from districts.models import Municipality, PopulationCount

    rows = []
    for i, muni in enumerate(Municipality.objects.filter(group_name="Hovedstadskommuner")):
        PopulationCount.objects.create(municipality=muni, date=dt.date(2016, 7, 1), count=20000)
        for q in range(1, 5):
            rows.append(DstValue(table="STRAF11", area_code=muni.code, area_name=muni.name, dims="OVERTRÆD=TOT",
                                 period=f"2016K{q}", value=300 + 7 * i + 3 * q))
    DstValue.objects.bulk_create(rows)
    member("Leder", reference["165"])
    page = browser_login("leder")
    page.set_viewport_size({"width": width, "height": height})
    problems = drawn(page, f"{live_server.url}/kommune/165/sammenligning/?period_from=2016&period_to=2016"
                           "&peers=Hovedstadskommuner")
    assert problems == [], "\n".join(problems)
    outlines = page.locator("[data-chart=map-data] .legendtext").all_text_contents()
    assert outlines == ["Sammenligningskommuner", "Albertslund"]


def test_phone_pages_pass_axe(browser_login, live_server, town, member):
    from tests.test_browser_a11y import violations

    member("Medarbejder", town)
    page = browser_login("medarbejder", bypass_csp=True)  # only to inject axe
    page.set_viewport_size({"width": 390, "height": 844})
    found = {}
    for path in ["/kommune/165/?period_from=2015&period_to=2016",
                 "/kommune/165/figur/charged-persons-residence/?period_from=2016", "/kommune/165/sammenligning/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    assert {path: v for path, v in found.items() if v} == {}
