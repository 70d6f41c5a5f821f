"""The directories for new staff: who meets where, and who sits where by role (issue 13, part 4).

Line numbers cite ../shared/seeds/004_9d3d462b1681b467.txt (Glenny 2005).
"""

from __future__ import annotations

import copy
import json
import re

import pytest

from analysis.directory import role_directory, role_key, role_label, who_meets_where
from app.cli import main
from models.document import LocalityDocument
from models.validation import load_path
from tests.conftest import MINIMAL, SAMPLE_SLUGS, SAMPLES_DIR, auth

THAME = str(SAMPLES_DIR / "thame.yaml")


def small_locality() -> LocalityDocument:
    """Three groups of known hours, and one role spelt three ways beside a near miss."""
    data = copy.deepcopy(MINIMAL)
    data["people"] += [
        {"id": "senco-a", "name": "SENCO, School A", "role": "SENCO", "agency": "school-a"},
        {"id": "senco-b", "name": "SENCo, School B", "role": "SENCo"},
        {"id": "senco-c", "name": "Special needs co-ordinator", "role": "special educational needs co-ordinator"},
        {"id": "senior", "name": "Senior teacher, School A", "role": "senior teacher", "agency": "school-a"},
        {"id": "nobody", "name": "Parent volunteer"},
    ]
    steering, panel = data["groups"]
    steering["members"].append({"person": "senco-a", "attendance": 0.5})
    panel.update(meets="monthly", hours=1.5, handles=["behaviour", "learning_sen"], contact="ISS office, 01234 567890")
    panel["members"] += [{"person": "senco-a"}, {"person": "senco-b", "role": "coordinator"}, {"person": "senior"}]
    data["groups"].append(
        {"id": "forum", "name": "Forum", "type": "forum", "members": [{"person": "senco-c"}, {"person": "sw"}]}
    )
    return LocalityDocument.model_validate(data)


# ---------------------------------------------------------------- roles


def test_spellings_of_one_role_are_one_and_a_near_miss_is_not():
    assert {role_key(r) for r in ("SENCO", "senco", "SENCo", " Senco ", "special educational needs co-ordinator")} == {
        "senco"
    }
    assert role_key("senior teacher") == "senior_teacher" != "senco"
    assert role_key("Head teacher") == role_key("head_teacher") == role_key("Headteacher") == "head_teacher"
    assert role_key(None) is None and role_key("  ") is None
    assert role_label("senco") == "SENCO" and role_label("la_lead_officer") == "LA lead officer"


def test_the_role_directory_merges_spellings_with_hours_a_year():
    entries = {e.role: e for e in role_directory([small_locality()])}
    sencos = entries["senco"]
    assert sencos.label == "SENCO" and sencos.people == 3
    hours = {(r.person, r.group): r.hours_per_year for r in sencos.rows}
    # steering: half-termly (6 a year) x 2 h x attendance 0.5; panel: monthly (11) x 1.5 h.
    assert hours == {
        ("senco-a", "steering"): 6.0,
        ("senco-a", "panel"): 16.5,
        ("senco-b", "panel"): 16.5,
        ("senco-c", "forum"): None,  # the forum's frequency is not recorded: no hours, not zero
    }
    assert [r.person for r in entries["senior_teacher"].rows] == ["senior"]
    assert entries[None].rows[0].group is None  # a person of no role, on no group, still listed
    assert list(entries)[-1] is None  # people of no recorded role come last


def test_the_role_filter_takes_any_spelling_and_a_near_miss_finds_nothing():
    document = small_locality()
    assert [e.role for e in role_directory([document], role="SENCo")] == ["senco"]
    assert role_directory([document], role="senior") == []


# ---------------------------------------------------------------- who meets where


def test_who_meets_where_orders_sections_and_says_what_is_not_recorded():
    sections = who_meets_where(small_locality())
    assert [(s.key, [g.id for g in s.groups]) for s in sections] == [
        ("strategic", ["steering"]),
        ("both", ["forum"]),  # a forum hosts both conversations by default
        ("upstream", ["panel"]),  # a panel sitting in a school is school-facing
    ]
    panel = sections[2].groups[0]
    assert panel.handles == ("Behaviour", "Learning and special educational needs")
    assert panel.contact == "ISS office, 01234 567890" and panel.hours_per_year == 16.5
    assert panel.meets == "monthly, about 11 a year"
    # who runs the group comes first
    assert [s.person for s in panel.seats][:1] == ["senco-b"]
    forum = sections[1].groups[0]
    assert forum.handles == () and forum.contact is None and forum.meets is None and forum.purpose is None


def test_casework_comes_after_school_facing_groups(minimal):
    minimal["groups"][1].pop("school")
    sections = who_meets_where(LocalityDocument.model_validate(minimal))
    assert [s.key for s in sections] == ["strategic", "casework"]


@pytest.fixture(scope="module")
def samples():
    return [load_path(SAMPLES_DIR / f"{slug}.yaml") for slug in SAMPLE_SLUGS]


def test_the_role_directory_lists_every_sencos_meetings(samples):
    # SENCOs were interviewed in five of the six localities (data sources table, line 858); Thame's
    # "newly appointed SENCo had not known about the Network" (line 679): the directory is for them.
    expected = {
        (d.locality.id, p.id, g.id)
        for d in samples
        for p in d.people
        if role_key(p.role) == "senco"
        for g in d.groups
        if any(m.person == p.id for m in g.members)
    }
    assert len({(loc, p) for loc, p, _ in expected}) >= 10
    (entry,) = role_directory(samples, role="senco")
    assert {(r.locality, r.person, r.group) for r in entry.rows} == expected
    thame = {(r.name, r.group) for r in entry.rows if r.locality == "thame"}
    assert ("SENCO (newly appointed), Thame primary school A", "thame-network") in thame


def test_who_meets_where_holds_every_group_of_every_sample(samples):
    for document in samples:
        listed = [g.id for s in who_meets_where(document) for g in s.groups]
        assert sorted(listed) == sorted(g.id for g in document.groups)
    thame = {s.key: [g.id for g in s.groups] for s in who_meets_where(samples[-1])}
    # The Network hosts both conversations (line 679: "a place to discuss and try to resolve interagency issues").
    assert "thame-network-steering-group" in thame["strategic"] and "thame-network" in thame["both"]


# ---------------------------------------------------------------- pages


def test_the_printable_directory_page(service):
    client, tokens = service
    page = client.get("/localities/thame/directory", headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    html = page.text
    for name in ("Thame Network", "Thame Network steering group", "Thame Partnership heads group"):
        assert f">{name}<" in html
    assert '<link rel="stylesheet" href="/static/directory.css">' in html
    assert "Print or save as PDF" in html and "/static/directory.js" in html
    assert "not recorded" in html  # the samples' contacts may not be filled in yet
    assert "SENCO, Lord Williams&#39;s School" in html
    assert client.get("/static/directory.css").status_code == 200
    assert client.get("/localities/nowhere/directory", headers=auth(tokens, "viewer")).status_code == 404


def test_pages_are_for_readers_only_and_linked(service):
    client, tokens = service
    for path in ("/localities/thame/directory", "/localities/thame/roles", "/roles"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    viewer = auth(tokens, "viewer")
    locality = client.get("/localities/thame", headers=viewer).text
    assert 'href="/localities/thame/directory"' in locality and 'href="/localities/thame/roles"' in locality
    assert 'href="/roles"' in client.get("/", headers=viewer).text


def rows_of(html: str) -> list[list[str]]:
    """The cells of the role table's body rows, as text."""
    body = html.split('<table class="data roles">', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_which_meetings_do_sencos_attend_across_localities(service):
    client, tokens = service
    page = client.get("/roles", params={"role": "SENCo"}, headers=auth(tokens, "viewer"))
    assert page.status_code == 200
    rows = rows_of(page.text)
    assert {r[0] for r in rows} == {"SENCO"}
    assert ["SENCO", "SENCO (newly appointed), Thame primary school A", "Thame", "Thame Network", "0.9"] in rows
    # the five samples that seat a SENCO on a group; the table goes across them in one answer
    city = "The City (Oxford Excellence Cluster area)"
    assert {r[2] for r in rows} == {"Abingdon", "Banbury", city, "Kidlington", "Thame"} and len(rows) == 20
    local = rows_of(client.get("/localities/thame/roles?role=senco", headers=auth(tokens, "viewer")).text)
    assert {r[2] for r in local} == {"Thame"} and len(local) == 6


def test_bad_role_filters_are_answered_on_the_form(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    long = client.get("/roles", params={"role": "x" * 150}, headers=viewer)
    assert long.status_code == 400
    assert "The role to find is 150 characters long; at most 100 are allowed." in long.text
    assert 'name="role"' in long.text and "Traceback" not in long.text
    hidden = client.get("/roles", params={"role": "senco\u202e"}, headers=viewer)
    assert hidden.status_code == 400 and "hidden formatting character" in hidden.text
    unknown = client.get("/localities/thame/roles", params={"role": "senior teacher"}, headers=viewer)
    assert unknown.status_code == 200 and "No one in Thame has the role “senior teacher”" in unknown.text


def test_names_are_escaped_in_the_directories(service, minimal):
    client, tokens = service
    minimal["locality"].update(id="evil", name="<script>alert(1)</script>")
    minimal["people"][0].update(name='"><img src=x onerror=alert(1)>', role="<b>senco</b>")
    minimal["groups"][0].update(name="<script>x()</script>", contact="<i>office</i>")
    sent = client.post("/api/localities", json=minimal, headers=auth(tokens, "admin"))
    assert sent.status_code in (200, 201), sent.text
    for path in ("/localities/evil/directory", "/localities/evil/roles", "/roles?role=%3Cb%3Esenco%3C/b%3E"):
        response = client.get(path, headers=auth(tokens, "viewer"))
        assert response.status_code == 200, path
        html = response.text
        assert "<script>alert" not in html and "<img src=x" not in html and "<script>x()" not in html
        assert "<i>office" not in html


# ---------------------------------------------------------------- the command


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_directory_command_prints_who_meets_where(capsys):
    code, out, err = run(capsys, "directory", THAME)
    assert code == 0, err
    assert "Strategic groups" in out and "Thame Network" in out and "SENCO, Lord Williams's School" in out
    assert (
        out.index("Strategic groups")
        < out.index("Networks and forums")
        < out.index("Upstream and school-facing groups")
    )


def test_the_directory_command_answers_a_role_as_json(capsys):
    code, out, err = run(capsys, "directory", THAME, "--role", "SENCo", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["locality"] == "thame" and [r["role"] for r in data["roles"]] == ["senco"]
    rows = data["roles"][0]["rows"]
    hours = {(r["person"], r["group"]): r["hours_per_year"] for r in rows}
    assert hours[("senco-primary-a", "thame-network")] == pytest.approx(0.9)  # 3 a year x 1 h x attendance 0.3
    code, out, _ = run(capsys, "directory", THAME, "--json")
    assert code == 0 and {s["key"] for s in json.loads(out)["sections"]} == {"strategic", "both", "upstream"}


def test_the_directory_command_says_plainly_when_no_one_holds_a_role(capsys):
    code, out, err = run(capsys, "directory", THAME, "--role", "senior teacher")
    assert code == 1 and "no one in Thame has the role 'senior teacher'" in err and "senco" in err


def test_the_directory_of_a_file_loads_no_database_or_web():
    from tests.test_startup import HEAVY, imported_modules, loaded_of

    modules, result = imported_modules("directory", THAME, "--role", "senco")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "app.cli.directory" in modules and loaded_of(modules, (*HEAVY, "app.cli.audit")) == []
