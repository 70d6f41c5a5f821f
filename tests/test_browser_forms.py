"""In the browser: an editor adds a group with its members from the group form, is told what was
added, and deletes it through the page that asks first, naming what goes."""

from __future__ import annotations

import pytest

from tests.browser_support import live_server
from tests.test_browser import page, sign_in  # noqa: F401 - the fixture and the sign-in step

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):  # noqa: F811 - the module's own live service
    from app.storage.accounts import create_user
    from app.storage.db import create_schema, make_engine, session_scope
    from app.web.main import load_samples_if_empty

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-forms') / 'locmap.db'}"
    engine = make_engine(url)
    create_schema(engine)
    load_samples_if_empty(engine)
    with session_scope(engine) as session:
        create_user(session, "ed", "editor", ["thame"], password="correct horse battery")
    engine.dispose()
    with live_server(url, demo=True) as (base, app):
        yield base, app


def test_an_editor_adds_a_group_with_members_sees_the_flash_and_deletes_it_when_asked(server, page):  # noqa: F811
    base, _ = server
    sign_in(page, base)
    page.goto(base + "/localities/thame/edit")
    page.get_by_role("link", name="Add a group").click()
    page.wait_for_load_state("load")  # the form's scripts have run (a busy machine is slow to run them)
    page.fill("#f-name", "Thame Parents' Forum")
    assert page.input_value("#f-id") == "thame-parents-forum"  # the id follows the name
    page.select_option("#f-type", "forum")
    page.select_option("#m-person-1", "la-county-officer")
    page.select_option("#m-role-1", "chair")
    page.select_option("#m-person-2", "school-nurse")
    page.click("form.form button[type=submit]")

    page.wait_for_url(base + "/localities/thame/groups/thame-parents-forum")
    assert page.locator("p.flash").inner_text() == "Added the group Thame Parents' Forum with 2 members."
    members = page.locator("#members").inner_text()
    assert "County ISS lead officer" in members and "School nurse" in members
    page.reload()
    assert page.locator("p.flash").count() == 0  # shown once

    page.get_by_role("link", name="Edit this group").click()
    page.get_by_role("link", name="Delete this group…").click()
    assert page.locator("h1").inner_text() == "Delete the group Thame Parents' Forum?"
    assert "its 2 members' seats and 0 links" in page.locator("main").inner_text()
    page.get_by_role("button", name="Delete").click()

    page.wait_for_url(base + "/localities/thame/edit")
    assert page.locator("p.flash").inner_text().startswith("Deleted the group Thame Parents' Forum (2 seats, 0 links).")
    assert "Thame Parents' Forum" not in page.locator("section.card").first.inner_text()  # the groups
