"""What a group is for, in words people search (issue 13, part 1).

``handles`` (the kinds of concern a group takes, from :class:`models.vocab.Concern`),
``handles_other`` (other concerns in words), ``contact`` (how to bring an item:
a role or an office, never a person's own details), ``meeting_pattern`` and
``next_meeting``: validated in plain words, stored, exchanged, edited and
filled in the samples from the report (../shared/seeds/004_9d3d462b1681b467.txt).
"""

from __future__ import annotations

import copy
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from alembic import command
from sqlalchemy import text

from app.formats import spreadsheets as S
from app.storage import store
from app.storage.db import make_engine
from app.storage.migrate import alembic_config
from models.document import json_schema
from models.validation import DocumentError, dump_document, load_path, load_text, validate_data
from models.vocab import CONCERN_LABELS, Concern
from tests.conftest import MINIMAL, SAMPLE_PATHS, SAMPLES_DIR, auth

WAYFINDING = {
    "handles": ["child_protection", "emotional_mental_health"],
    "handles_other": "young carers",
    "contact": "The panel co-ordinator, Social and Health Care, 01865 000000",
    "meeting_pattern": "second Tuesday of each month, 12:30-14:00",
    "next_meeting": "2025-03-11",
}


def with_panel(**fields) -> dict:
    """MINIMAL with the panel's wayfinding fields set (None leaves a field out)."""
    data = copy.deepcopy(MINIMAL)
    data["groups"][1].update({k: v for k, v in fields.items() if v is not None})
    return data


def problems_of(data: dict) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        validate_data(data)
    return {p.loc: p.msg for p in caught.value.problems}


# ---------------------------------------------------------------- validation


def test_the_new_fields_are_read():
    group = validate_data(with_panel(**WAYFINDING)).groups[1]
    assert group.handles == [Concern.child_protection, Concern.emotional_mental_health]
    assert (group.handles_other, group.next_meeting) == ("young carers", "2025-03-11")
    assert group.meeting_pattern.startswith("second Tuesday")


@pytest.mark.parametrize("given", ["2025-02-30", "11/03/2025", "next Tuesday", "2025-3-11"])
def test_next_meeting_must_be_a_real_date(given):
    found = problems_of(with_panel(next_meeting=given))
    assert list(found) == ["groups[1].next_meeting"]
    assert found["groups[1].next_meeting"] == (
        f"{given!r} is not a real date: write the date of the next meeting as YYYY-MM-DD, such as 2025-03-11"
    )


def test_handles_are_each_listed_once_and_from_the_vocabulary():
    found = problems_of(with_panel(handles=["behaviour", "attendance", "behaviour"]))
    assert found == {
        "groups[1].handles": "['behaviour', 'attendance', 'behaviour'] lists 'behaviour' twice: "
        "list each kind of concern once"
    }
    found = problems_of(with_panel(handles=["behaviour", "worries"]))
    assert list(found) == ["groups[1].handles[1]"]
    assert found["groups[1].handles[1]"].startswith("'worries' is not one of 'behaviour', 'attendance'")


def test_contact_may_not_name_one_of_the_people():
    data = with_panel(contact="Ring Jane Smith on 01865 000000")
    data["people"].append({"id": "js", "name": "Jane Smith", "agency": "shc"})
    assert problems_of(data) == {
        "groups[1].contact": "'Ring Jane Smith on 01865 000000' names 'Jane Smith', one of the locality's "
        "people: contact must be a role or a public office address or phone, never a person's own details"
    }


def test_contact_may_not_be_a_persons_email():
    found = problems_of(with_panel(contact="email jane.smith@oxfordshire.gov.uk"))
    assert list(found) == ["groups[1].contact"]
    assert "looks like a person's (jane.smith@...)" in found["groups[1].contact"]
    assert found["groups[1].contact"].endswith(
        "contact must be a role or a public office address or phone, never a person's own details"
    )


@pytest.mark.parametrize(
    "contact",
    [
        "Head teacher, School A",  # a person named by role, as the format asks: a role is a fine contact
        "the Network co-ordinators, Lord Williams's School",
        "mast.city@oxfordshire.gov.uk",
        "enquiries@example.org.uk, 01865 000000",
    ],
)
def test_roles_and_offices_are_fine_contacts(contact):
    assert validate_data(with_panel(contact=contact)).groups[1].contact == contact


def test_problems_are_located_on_their_line():
    text_ = dump_document(validate_data(with_panel(contact="x")), ".yaml").replace("contact: x", "next_meeting: soon")
    with pytest.raises(DocumentError) as caught:
        load_text(text_, suffix=".yaml")
    (problem,) = caught.value.problems
    line = text_.splitlines().index("  next_meeting: soon") + 1
    assert (problem.loc, problem.line) == ("groups[1].next_meeting", line)


def test_json_schema_lists_the_concerns():
    group = json_schema()["$defs"]["Group"]["properties"]
    concern = json_schema()["$defs"]["Concern"]
    assert concern["enum"] == [c.value for c in Concern] == list(CONCERN_LABELS)
    assert {"handles", "handles_other", "contact", "meeting_pattern", "next_meeting"} <= set(group)


# ---------------------------------------------------------------- storage and exchange


def test_round_trip_through_the_database(session):
    document = validate_data(with_panel(**WAYFINDING))
    store.import_document(session, document)
    session.commit()
    assert store.export_document(session, "testville").to_data() == document.to_data()
    assert store.export_document(session, "testville").to_data()["groups"][1]["handles"] == WAYFINDING["handles"]


@pytest.mark.parametrize("path", SAMPLE_PATHS, ids=lambda p: p.stem)
def test_samples_round_trip_through_the_database(session, path):
    document = load_path(path)
    store.import_document(session, document)
    session.commit()
    assert store.export_document(session, path.stem).to_data() == document.to_data()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_through_the_spreadsheets(fmt):
    write, read = {"xlsx": (S.write_xlsx, S.read_xlsx), "csv": (S.write_csv_zip, S.read_csv_zip)}[fmt]
    document = validate_data(with_panel(**WAYFINDING))
    back = read(write(document))
    assert back.to_data() == document.to_data()


def test_spreadsheet_problems_are_located_and_worded():
    document = validate_data(with_panel(**WAYFINDING))
    archive = zipfile.ZipFile(io.BytesIO(S.write_csv_zip(document)))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as out:
        for name in archive.namelist():
            out.writestr(name, archive.read(name).replace(b"2025-03-11", b"2025-13-11"))
    with pytest.raises(S.WorkbookError) as caught:
        S.read_csv_zip(changed.getvalue())
    (problem,) = caught.value.problems
    assert "'2025-13-11' is not a real date" in str(problem) and "groups" in str(problem)


def test_a_date_cell_is_read_as_its_date():
    document = validate_data(with_panel(**WAYFINDING))
    workbook = openpyxl.load_workbook(io.BytesIO(S.write_xlsx(document)))
    sheet = workbook["groups"]
    column = [cell.value for cell in sheet[1]].index("next_meeting") + 1
    sheet.cell(row=3, column=column).value = datetime.datetime(2025, 4, 1)
    written = io.BytesIO()
    workbook.save(written)
    assert S.read_xlsx(written.getvalue()).groups[1].next_meeting == "2025-04-01"


def test_migration_from_0003_to_0004_keeps_the_groups(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0003")
        connection.execute(
            text(
                "INSERT INTO locality (pk, id, name, authority, boundary, devolved_funding, sources, revision, "
                "created_at, updated_at, shown_from) VALUES (1, 'old', 'Old', 'Shire', 'clear', 'none', '[]', 1, "
                "'2024-01-01 00:00:00', '2024-01-01 00:00:00', 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO locality_group (pk, locality_pk, id, name, type, external, area) "
                "VALUES (1, 1, 'panel', 'Panel', 'panel', 0, '[]')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO person (pk, locality_pk, id, name, systems_minder, service_user_rep, local) "
                "VALUES (1, 1, 'ann', 'Ann', 0, 0, 1)"
            )
        )
        connection.execute(
            text("INSERT INTO membership (group_pk, person_pk, role, position) VALUES (1, 1, 'member', 0)")
        )
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
    with engine.begin() as connection:
        row = connection.execute(
            text("SELECT id, handles, handles_other, contact, meeting_pattern, next_meeting FROM locality_group")
        ).one()
    assert tuple(row) == ("panel", "[]", None, None, None, None)
    from sqlmodel import Session

    with engine.begin() as connection:  # the models are the newest schema's
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session:
        assert store.export_document(session, "old").groups[0].handles == []
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
        assert connection.execute(text("SELECT id FROM locality_group")).scalar_one() == "panel"
        # The group's table is altered in place: rebuilding it would cascade its seats away.
        assert connection.execute(text("SELECT count(*) FROM membership")).scalar_one() == 1
    engine.dispose()


# ---------------------------------------------------------------- the API and the pages


@pytest.fixture
def editor(service):
    """A browser signed in as Thame's editor, with the page's CSRF token."""
    from tests.test_csrf import sign_in_form

    client, tokens = service
    client.post("/signin", data=sign_in_form(client, name="ed", password="correct horse battery"))
    page = client.get("/localities/thame/edit").text
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    return client, tokens, token


def test_api_patch_sets_and_clears_the_fields(service):
    client, tokens = service
    headers = {**auth(tokens, "editor"), "If-Match": "*"}
    url = "/api/localities/thame/groups/thame-network"
    response = client.patch(url, headers=headers, json={"handles": ["behaviour"], "next_meeting": "2025-03-11"})
    assert response.status_code == 200, response.text
    assert response.json()["handles"] == ["behaviour"] and response.json()["next_meeting"] == "2025-03-11"
    response = client.patch(url, headers=headers, json={"next_meeting": "2025-02-30"})
    assert response.status_code == 422
    assert "not a real date" in response.text and "pydantic" not in response.text
    response = client.patch(url, headers=headers, json={"handles": None})
    assert response.status_code == 200 and response.json()["handles"] == []


def test_api_refuses_a_contact_naming_one_of_the_people_both_ways(service):
    client, tokens = service
    headers = {**auth(tokens, "editor"), "If-Match": "*"}
    url = "/api/localities/thame/people"
    response = client.post(url, headers=headers, json={"id": "js", "name": "Jane Smith"})
    assert response.status_code == 201, response.text
    group = "/api/localities/thame/groups/thame-network"
    response = client.patch(group, headers=headers, json={"contact": "ask jane smith"})
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"].endswith(".contact") and "names 'Jane Smith', one of the locality's people" in problem["msg"]
    # Renaming someone to a name a contact already holds is refused at that contact.
    response = client.patch(f"{url}/hslw", headers=headers, json={"name": "Bob Brown"})
    assert response.status_code == 200
    assert client.patch(group, headers=headers, json={"contact": "Ring Bob Green"}).status_code == 200
    response = client.patch(f"{url}/js", headers=headers, json={"name": "Bob Green"})
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"].endswith(".contact") and "'Bob Green'" in problem["msg"]


def group_form(**changes) -> dict:
    form = {"name": "Thame Network", "type": "network", "membership": "open", "meets": "termly", "hours": "1.5"}
    return {**form, **changes}


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="e-([a-z_]+)">([^<]+)</p>', html))


def test_group_form_edits_the_fields_and_the_history_reverts_them(editor):
    client, tokens, token = editor
    page = client.get("/localities/thame/edit/group/thame-network").text
    assert 'name="handles" value="emotional_mental_health"' in page and "Emotional and mental health" in page
    form = group_form(
        csrf=token,
        handles=["behaviour", "emotional_mental_health"],
        handles_other="young carers",
        contact="the Network co-ordinators, Lord Williams's School",
        meeting_pattern="once a term, after school",
        next_meeting="2025-03-11",
    )
    before = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    response = client.post("/localities/thame/edit/group/thame-network", data=form, follow_redirects=False)
    assert response.status_code == 303, field_errors(response.text)
    network = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    assert network["handles"] == ["behaviour", "emotional_mental_health"]
    assert (network["contact"], network["next_meeting"]) == (form["contact"], "2025-03-11")
    page = client.get("/localities/thame/groups/thame-network").text
    assert "Behaviour" in page and "How to bring an item" in page and "11 March 2025" in page
    edit_page = client.get("/localities/thame/edit/group/thame-network").text
    assert re.search(r'name="handles" value="behaviour"\s+checked', edit_page)
    history = client.get("/localities/thame/history").text
    change = re.search(r"/localities/thame/history/(\d+)/revert", history).group(1)
    response = client.post(f"/localities/thame/history/{change}/revert", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    after = client.get("/api/localities/thame/groups/thame-network", headers=auth(tokens, "viewer")).json()
    assert after == before


def test_group_form_answers_bad_values_beside_their_fields(editor):
    client, _, token = editor
    form = group_form(csrf=token, next_meeting="11/03/2025", contact="email jane.smith@example.org")
    response = client.post("/localities/thame/edit/group/thame-network", data=form)
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert set(errors) == {"next_meeting", "contact"}
    assert errors["next_meeting"].startswith("Next meeting is not a real date: write")
    assert "a role or a public office address or phone" in errors["contact"]
    assert "Traceback" not in response.text and "pydantic" not in response.text


# ---------------------------------------------------------------- the samples


SAMPLES = {p.stem: load_path(p) for p in SAMPLE_PATHS}


@pytest.mark.parametrize("slug", sorted(SAMPLES))
def test_samples_say_what_their_casework_groups_take(slug):
    document = SAMPLES[slug]
    casework = [g for g in document.groups if g.effective_focus is not None and g.effective_focus.value == "downstream"]
    for group in casework:
        assert group.handles, f"{slug}: {group.id} takes cases but says not what"
        assert group.contact, f"{slug}: {group.id} says not how to bring an item"
    for group in document.groups:
        if group.handles or group.contact or group.meeting_pattern:
            # Every value the report does not state is noted as an assumption.
            assert group.note and "assum" in group.note.lower(), f"{slug}: {group.id}"


def test_samples_carry_what_the_report_says():
    city = {g.id: g for g in SAMPLES["city"].groups}
    # Report line ~643: the SENCO/Social and Health Care consultation group takes child protection concerns.
    consultation = next(g for g in city.values() if "consult" in g.name.lower() and "senco" in g.name.lower())
    assert Concern.child_protection in consultation.handles
    # The City MAST works with families (report, City appendix).
    mast = next(g for g in city.values() if g.type.value == "multi_agency_support_team")
    assert Concern.family_support in mast.handles
    # Report 4.1 (line 246): the Abingdon and Bicester panels take complex cases at tier 3/4.
    for slug, panel in (("abingdon", "abingdon-panel"), ("bicester", "bicester-iss-forum")):
        group = next(g for g in SAMPLES[slug].groups if g.id == panel)
        assert {Concern.child_protection, Concern.behaviour} <= set(group.handles)
    # Line 671: the Thame Network's co-ordinators are Lord Williams's SENCO and School Counsellor.
    thame_network = next(g for g in SAMPLES["thame"].groups if g.id == "thame-network")
    assert thame_network.contact and "co-ordinators" in thame_network.contact
    assert thame_network.meeting_pattern == "Three times a year, at lunchtime"  # line 667


def test_template_lists_the_fields():
    template = (SAMPLES_DIR / "template.yaml").read_text()
    for field in ("handles:", "contact:", "meeting_pattern:", "next_meeting:"):
        assert field in template
