"""Change over time: the trend of a locality across its snapshots, as analysis, command, chart and page.

The report asks that communication systems "be continually monitored and
tweaked, to ensure they remain as efficient and functional as possible"
(Glenny 2005, 3.2; line 128 of the report's text), and names "good links to
the centre ... upward flow of information from localities" among the
conditions for collaborative advantage (line 315): the Thame cases add that
upward link and watch the trend say so.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import html
import io
import itertools
import json
import re
from datetime import UTC, datetime

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from analysis.audit import audit
from analysis.charts import add_footer
from analysis.findings import Severity
from analysis.trend import CSV_COLUMNS, MISSING_WORDS, TrendPoint, trend, trend_csv, trend_rows
from analysis.trend_chart import trend_figure
from app.cli import main
from models.validation import validate_data
from tests.conftest import MINIMAL, SAMPLES_DIR, auth

#: Thame's upward link: from the Network to the county's ISS steering group.
TO_CENTRE = {"from": "thame-network", "to": "county-iss-steering-group", "kind": "reports_to"}


# ---------------------------------------------------------------- a hand-built locality


def consultation_team() -> dict:
    """MINIMAL with a school consultation team that feeds nothing back: one MISSING_FEEDBACK_PATH."""
    data = copy.deepcopy(MINIMAL)
    data["groups"].append(
        {
            "id": "sct",
            "name": "School consultation team",
            "type": "school_consultation_team",
            "school": "school-a",
            "members": [{"person": "head-a"}, {"person": "sw"}],
        }
    )
    return data


def with_link(data: dict, link: dict) -> dict:
    changed = copy.deepcopy(data)
    changed["links"].append(link)
    return changed


def points_of(*versions: dict) -> list[TrendPoint]:
    """Snapshots 1, 2, ... of the versions given, the last one as now."""
    out = []
    for number, data in enumerate(versions, start=1):
        last = number == len(versions)
        when = datetime(2026, 1, number, 9, 30, tzinfo=UTC)
        key = "current" if last else str(number)
        out.append(TrendPoint("now" if last else f"version {number}", when, audit(validate_data(data)), key))
    return out


FEEDBACK = {"from": "sct", "to": "steering", "kind": "feeds_issues_to"}


def test_a_finding_resolved_by_a_link_falls_at_the_step_it_was_made():
    before = consultation_team()
    linked = with_link(before, FEEDBACK)
    renamed = copy.deepcopy(linked)
    renamed["groups"][0]["venue"] = "Town hall"  # the near miss: nothing the audit reads
    result = trend(points_of(before, linked, renamed))

    total = result.get("findings", "total").values
    assert total[1] == total[0] - 1 and total[2] == total[1]
    assert result.get("findings", "MISSING_FEEDBACK_PATH").values == (1, 0, 0)
    assert result.get("profile", "appreciative_system").values == (0.5, 2, 2)
    first, second = result.steps
    assert (first.before, first.after, second.before, second.after) == (0, 1, 1, 2)
    assert first.summary.startswith(f"Findings: {total[0]} → {total[1]}; ")
    assert "Appreciative system: emergent but not significant → strongly evident" in first.summary
    assert "MISSING_FEEDBACK_PATH: 1 → 0 (1 fewer)" in first.lines
    assert "Links between groups: 1 → 2 (1 more)" in first.lines
    assert second.summary == "No change in findings, profile or figures" and second.lines == ()


def test_a_link_the_wrong_way_resolves_nothing():
    # Steering consulting the team is a link, not the team's route back up: the finding stays.
    before = consultation_team()
    result = trend(points_of(before, with_link(before, {"from": "steering", "to": "sct", "kind": "consults"})))
    (step,) = result.steps
    assert result.get("findings", "MISSING_FEEDBACK_PATH").values == (1, 1)
    assert not result.get("profile", "appreciative_system").changed()
    assert "Findings" not in step.summary and "Appreciative" not in step.summary
    assert "Links between groups: 1 → 2 (1 more)" in step.lines
    assert step.summary.endswith("figures changed")


def test_a_change_of_severity_alone_is_said():
    # The same finding, judged less severe (as Thame's NO_LINK_TO_CENTRE is once its steering group links up).
    (point,) = points_of(consultation_team())
    first = point.audit.findings[0]
    milder = dataclasses.replace(first, severity=Severity.info)
    later = dataclasses.replace(point.audit, findings=[milder, *point.audit.findings[1:]])
    result = trend([point, dataclasses.replace(point, audit=later, key="current")])
    (step,) = result.steps
    total = len(point.audit.findings)
    assert not result.get("findings", "total").changed()
    assert step.summary == f"Findings: {total}, of other severities"
    high = sum(1 for f in point.audit.findings if f.severity == first.severity)
    assert step.lines == (
        f"{first.severity.value.capitalize()} findings: {high} → {high - 1} (1 fewer)",
        "Info findings: 0 → 1 (1 more)",
    )


def test_a_finding_that_moves_to_another_group_is_not_no_change():
    # One code, one count: resolved for one group and raised for another, which counts alone would miss.
    (point,) = points_of(consultation_team())
    first = point.audit.findings[0]
    moved = dataclasses.replace(first, subjects=("panel",))
    later = dataclasses.replace(point.audit, findings=[moved, *point.audit.findings[1:]])
    (step,) = trend([point, dataclasses.replace(point, audit=later)]).steps
    assert step.summary == f"Findings: {len(point.audit.findings)}, not the same ones"
    assert step.lines == ("Findings that appeared: 1; resolved: 1 (the diff names them)",)


def test_a_measure_an_older_audit_lacks_is_missing_not_zero():
    now, older = points_of(consultation_team(), with_link(consultation_team(), FEEDBACK))[::-1]
    lacking = dataclasses.replace(
        older.audit,
        metrics={k: v for k, v in older.audit.metrics.items() if k != "overlap_index"},
        profile={k: v for k, v in older.audit.profile.items() if k != "systems_minding"},
    )
    result = trend([dataclasses.replace(older, audit=lacking), now])
    overlap, minding = result.get("metric", "overlap_index"), result.get("profile", "systems_minding")
    assert overlap.present == (False, True) and overlap.values[0] is None
    assert minding.present == (False, True) and minding.words(0) == MISSING_WORDS
    (step,) = result.steps
    assert f"Systems minding: {MISSING_WORDS} → strongly evident (not rated in that version)" in step.lines
    assert any(line.startswith(f"Overlap index: {MISSING_WORDS} → ") for line in step.lines)
    rows = [r for r in trend_rows(result) if r["measure"] in ("overlap_index", "systems_minding")]
    assert [(r["snapshot"], r["value"], r["level_words"]) for r in rows if r["snapshot"] == "1"] == [
        ("1", "", MISSING_WORDS),
        ("1", "", MISSING_WORDS),
    ]
    assert result.as_dict()["series"][0]["missing"] == [False, False]  # a finding count is never missing


def test_cannot_tell_is_a_level_and_not_missing():
    (point,) = points_of(consultation_team())
    profile = {**point.audit.profile, "systems_minding": {**point.audit.profile["systems_minding"], "level": None}}
    result = trend([dataclasses.replace(point, audit=dataclasses.replace(point.audit, profile=profile))])
    minding = result.get("profile", "systems_minding")
    assert minding.present == (True,) and minding.words(0) == "cannot tell"
    assert result.steps == ()


def test_a_trend_is_of_one_locality_and_at_least_one_point():
    with pytest.raises(ValueError, match="at least one point"):
        trend([])
    (point,) = points_of(consultation_team())
    other = dataclasses.replace(point, audit=dataclasses.replace(point.audit, locality="elsewhere"))
    with pytest.raises(ValueError, match="one locality"):
        trend([point, other])


def test_the_long_table_is_tidy():
    result = trend(points_of(consultation_team(), with_link(consultation_team(), FEEDBACK)))
    table = list(csv.DictReader(io.StringIO(trend_csv(result))))
    assert tuple(table[0]) == CSV_COLUMNS
    assert len(table) == len(result.points) * len(result.series)
    assert {r["snapshot"] for r in table} == {"1", "current"}
    found = {(r["snapshot"], r["kind"], r["measure"]): r for r in table}
    assert found[("1", "findings", "MISSING_FEEDBACK_PATH")]["value"] == "1"
    assert found[("current", "findings", "MISSING_FEEDBACK_PATH")]["value"] == "0"
    assert found[("current", "profile", "appreciative_system")]["level_words"] == "strongly evident"
    assert found[("1", "metric", "links")]["level_words"] == ""
    assert found[("1", "metric", "links")]["taken_at"] == "2026-01-01T09:30:00+00:00"


# ---------------------------------------------------------------- the chart


def drawn_texts(figure) -> list[tuple[Text, object]]:
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    return [
        (t, t.get_window_extent(renderer)) for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]


def test_the_chart_names_every_point_in_full_and_no_text_sits_on_another():
    long_label = "before the new forum, after the steering group's review of the Network's membership and $5 budget"
    points = points_of(consultation_team(), with_link(consultation_team(), FEEDBACK))
    points[0] = dataclasses.replace(points[0], label=long_label)
    figure = add_footer(trend_figure(trend(points), "Testville"), "made by locmap test · generated: 2026")
    texts = drawn_texts(figure)
    joined = [" ".join(t.get_text().replace(r"\$", "$").split()) for t, _ in texts]
    assert any(f"1. {long_label}" in text for text in joined)  # wrapped, never cut
    assert any("made by locmap test" in text for text in joined)
    assert "Collaborative-advantage profile" in joined and "Findings at each point, by severity" in joined
    width, height = figure.canvas.get_width_height()
    assert [t.get_text() for t, e in texts if e.x0 < -1 or e.y0 < -1 or e.x1 > width + 1 or e.y1 > height + 1] == []
    assert [
        (a.get_text(), b.get_text()) for (a, ea), (b, eb) in itertools.combinations(texts, 2) if ea.overlaps(eb)
    ] == []


def test_the_heat_strip_has_a_row_per_dimension_and_a_column_per_point():
    result = trend(points_of(consultation_team(), with_link(consultation_team(), FEEDBACK)))
    strip = trend_figure(result).get_axes()[-1]
    image = strip.get_images()[0].get_array()
    assert image.shape == (len(result.of_kind("profile")), 2)
    cells = [t.get_text() for t in strip.texts]
    assert cells.count("strong") >= 1 and "emergent" in cells  # analysis.charts.SHORT_WORDS


# ---------------------------------------------------------------- the command, on Thame


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def thame_over_time(db_url, capsys):
    """Thame stored, snapshot 1, the Network's link to the centre added, snapshot 2 (now as snapshot 2)."""
    from app.storage import edits
    from app.storage.db import make_engine, session_scope

    assert run(capsys, "import", str(SAMPLES_DIR / "thame.yaml"), "--db", db_url)[0] == 0
    assert run(capsys, "snapshot", "thame", "--label", "before the link", "--db", db_url)[0] == 0
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        edits.create(session, "thame", "ed", "link", TO_CENTRE)
    engine.dispose()
    assert run(capsys, "snapshot", "thame", "--label", "after the link", "--db", db_url)[0] == 0
    return db_url


def test_trend_on_thame_json(capsys, thame_over_time, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    code, out, err = run(capsys, "trend", "thame", "--json", "--db", thame_over_time)
    assert code == 0, err
    data = json.loads(out)
    assert [p["key"] for p in data["points"]] == ["1", "2", "current"]
    assert [p["label"] for p in data["points"]] == ["before the link", "after the link", "now"]
    series = {(s["kind"], s["measure"]): s for s in data["series"]}
    assert series[("findings", "NO_LINK_TO_CENTRE")]["values"] == [1, 0, 0]
    assert series[("profile", "links_to_centre")]["words"] == ["not evident", "evident", "evident"]
    assert series[("metric", "links")]["values"] == [6, 7, 7]
    first, second = data["changes"]
    assert (first["from"], first["to"], second["from"], second["to"]) == ("1", "2", "2", "current")
    assert "Links to the centre: not evident → evident" in first["summary"]
    assert second["summary"] == "No change in findings, profile or figures"
    sources = data["provenance"]["sources"]
    # each snapshot names the revision it copied, as in compare's provenance
    assert [(s["snapshot"], s["revision"]) for s in sources] == [(1, 1), (2, 2), (None, 2)]
    assert sources[1]["sha256"] == sources[2]["sha256"]  # snapshot 2 is the locality as it is now
    assert data["provenance"]["generated_at"] == "2026-01-01T00:00:00Z"


def test_trend_on_thame_table_csv_and_charts(capsys, thame_over_time, tmp_path):
    files = {suffix: tmp_path / f"thame-trend.{suffix}" for suffix in ("png", "svg", "pdf")}
    code, out, err = run(
        capsys,
        "trend",
        "thame",
        "--csv",
        str(tmp_path / "t.csv"),
        "--chart",
        str(files["png"]),
        "--db",
        thame_over_time,
    )
    assert code == 0, err
    assert "How Thame changed (thame): 3 points" in out
    assert re.search(r"1 → 2 \(before the link → after the link\): Findings: \d+ → \d+; Links to the centre", out)
    assert "NO_LINK_TO_CENTRE: 1 → 0 (1 fewer)" in out
    assert "2 → 3 (after the link → now): No change in findings, profile or figures" in out
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert (
        header[0].startswith("# made by locmap") and "thame snapshot 1" in header[1] and "thame revision 2" in header[1]
    )
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("# ")))
    found = {(r["snapshot"], r["measure"]): r for r in rows}
    assert found[("1", "NO_LINK_TO_CENTRE")]["value"] == "1" and found[("current", "NO_LINK_TO_CENTRE")]["value"] == "0"
    assert found[("2", "links_to_centre")]["level_words"] == "evident"
    for suffix in ("svg", "pdf"):
        assert run(capsys, "trend", "thame", "--chart", str(files[suffix]), "--db", thame_over_time)[0] == 0
    assert files["png"].read_bytes().startswith(b"\x89PNG")
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    svg = files["svg"].read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<!-- made by locmap" in svg


def test_trend_with_no_snapshots_is_the_locality_now(capsys, db_url):
    assert run(capsys, "import", str(SAMPLES_DIR / "thame.yaml"), "--db", db_url)[0] == 0
    code, out, err = run(capsys, "trend", "thame", "--db", db_url)
    assert code == 0, err
    assert "No snapshots yet: the trend is the locality as it is now alone" in out
    code, out, _ = run(capsys, "trend", "thame", "--json", "--db", db_url)
    data = json.loads(out)
    assert [p["key"] for p in data["points"]] == ["current"] and data["changes"] == []


def test_trend_errors_are_plain(capsys, db_url, tmp_path):
    assert run(capsys, "import", str(SAMPLES_DIR / "thame.yaml"), "--db", db_url)[0] == 0
    code, out, err = run(capsys, "trend", "nowhere", "--db", db_url)
    assert (code, out) == (3, "") and err.strip() == "locmap: no locality 'nowhere' is stored"
    chart = tmp_path / "trend.gif"
    code, _, err = run(capsys, "trend", "thame", "--chart", str(chart), "--db", db_url)
    assert code == 1 and "use a .png, .svg or .pdf file name" in err and not chart.exists()
    code, _, err = run(capsys, "trend", "thame", "--csv", str(tmp_path / "no" / "such" / "t.csv"), "--db", db_url)
    assert code == 1 and "cannot write" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- the page and its chart


@pytest.fixture
def thame_page(service):
    """Thame on the service: snapshot, the link to the centre, snapshot, then a change the audit cannot see."""
    client, tokens = service
    admin = auth(tokens, "admin")
    first = client.post("/api/localities/thame/snapshots", headers=admin, json={"label": "before the link"}).json()
    assert client.post("/api/localities/thame/links", headers=admin, json=TO_CENTRE).status_code == 201
    second = client.post("/api/localities/thame/snapshots", headers=admin, json={"label": "after the link"}).json()
    venue = {"venue": "Lord Williams's School"}
    answer = client.patch("/api/localities/thame/groups/thame-network", headers={**admin, "If-Match": "*"}, json=venue)
    assert answer.status_code == 200
    return client, tokens, first["id"], second["id"]


def diff_links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="(/localities/thame/diff\?[^"]+)"', page)]


def test_the_page_lists_the_points_and_links_each_step_to_its_diff(thame_page):
    client, tokens, first, second = thame_page
    viewer = auth(tokens, "viewer")
    page = client.get("/localities/thame/trend", headers=viewer)
    assert page.status_code == 200
    text = page.text
    assert "1. 'before the link'" in text and "2. 'after the link'" in text and "3. now" in text
    assert "Links to the centre: not evident → evident" in text
    assert "No change in findings, profile or figures." in text
    assert diff_links(text) == [
        f"/localities/thame/diff?from={first}&to={second}",
        f"/localities/thame/diff?from={second}&to=current",
    ]
    detail = client.get(diff_links(text)[0], headers=viewer)
    assert detail.status_code == 200 and "No route from &#39;Thame Network&#39;" in detail.text  # resolved there
    after = client.get(diff_links(text)[1], headers=viewer)
    assert after.status_code == 200 and "Thame Network: changed venue" in after.text  # what the audit cannot see
    assert 'action="/localities/thame/diff"' in text and 'name="from"' in text and 'name="to"' in text
    assert '<img class="chart" src="/localities/thame/trend.svg"' in text
    assert text.count('<td class="muted">missing</td>') == 0


def test_the_chart_is_svg_with_its_footer_and_answers_304_until_a_snapshot_is_taken(thame_page):
    client, tokens, _, _ = thame_page
    viewer, admin = auth(tokens, "viewer"), auth(tokens, "admin")
    chart = client.get("/localities/thame/trend.svg", headers=viewer)
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert "<!-- made by locmap" in chart.text and "thame snapshot" in chart.text
    tag = chart.headers["etag"]
    again = client.get("/localities/thame/trend.svg", headers={**viewer, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    client.post("/api/localities/thame/snapshots", headers=admin, json={"label": "a third"})
    fresh = client.get("/localities/thame/trend.svg", headers={**viewer, "If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != tag
    assert client.get("/localities/thame/trend.png", headers=viewer).content.startswith(b"\x89PNG")
    assert client.get("/localities/thame/trend.pdf", headers=viewer).content.startswith(b"%PDF")


def test_an_unknown_locality_is_a_plain_404_page(service):
    client, tokens = service
    for path in ("/localities/nowhere/trend", "/localities/nowhere/trend.svg"):
        answer = client.get(path, headers=auth(tokens, "viewer"))
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        assert "no locality &#39;nowhere&#39; is stored" in answer.text and "Traceback" not in answer.text


def test_a_locality_without_snapshots_says_so(service):
    client, tokens = service
    page = client.get("/localities/banbury/trend", headers=auth(tokens, "viewer")).text
    assert "No snapshots yet: the trend is Banbury as it is now, alone." in page
    assert diff_links(page) == [] and 'action="/localities/banbury/diff"' not in page


def test_snapshot_labels_are_escaped_on_the_page(service):
    client, tokens = service
    admin = auth(tokens, "admin")
    client.post("/api/localities/thame/snapshots", headers=admin, json={"label": "<script>alert(1)</script>"})
    page = client.get("/localities/thame/trend", headers=admin).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_locality_and_snapshots_pages_link_to_the_trend(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    for path in ("/localities/thame", "/localities/thame/snapshots"):
        assert 'href="/localities/thame/trend"' in client.get(path, headers=viewer).text


def test_the_current_point_says_when_the_locality_last_changed_not_when_it_was_taken():
    from analysis.audit import audit as run_audit
    from analysis.trend import TrendPoint
    from models.validation import load_path
    from tests.conftest import SAMPLES_DIR

    result = run_audit(load_path(SAMPLES_DIR / "thame.yaml"))
    moment = datetime(2026, 3, 1, 9, 30)
    assert TrendPoint("before", moment, result, "7").when() == "2026-03-01 09:30"
    # "now" may have last changed before the newest snapshot was taken: its time must not read as a snapshot's
    assert TrendPoint("now", moment, result, "current").when() == "last changed 2026-03-01 09:30"
    assert TrendPoint("now", None, result, "current").when() == ""
