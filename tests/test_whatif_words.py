"""What-if in words: every change line says what moved in the audit's own words, never a key or a bare number."""

from __future__ import annotations

import json
import re

import pytest

from analysis.audit import audit
from analysis.profile import DIMENSION_LABELS, LEVEL_WORDS
from analysis.whatif import DraftGroup, DraftLink, apply_patch, what_if
from analysis.whatif_words import (
    METRIC_WORDS,
    describe_change,
    metric_line,
    profile_line,
)
from app.cli import main
from app.formats.report import METRIC_LABELS
from models.validation import load_path
from tests.conftest import SAMPLE_PATHS, SAMPLES_DIR

ABINGDON = SAMPLES_DIR / "abingdon.yaml"
#: A dimension key, a metric key or a vocabulary value: lower-case words joined by underscores.
KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def abingdon():
    return load_path(ABINGDON)


@pytest.fixture(scope="module")
def coordinator_leaves(abingdon):
    return what_if(abingdon, without=["person:coordinator"])


def test_a_profile_change_reads_as_the_audit_words_it():
    line = profile_line("local_ownership", 2, 0.5)
    assert line == (
        "Local ownership: strongly evident → emergent but not significant (level 3 → level 1 of 3, down 2 levels)"
    )
    assert profile_line("systems_minding", 0, 1) == (
        "Systems minding: not evident → evident (level 0 → level 2 of 3, up 2 levels)"
    )
    assert profile_line("user_involvement", 1, None) == (
        "User involvement: evident → cannot tell (the data no longer says)"
    )


def test_metric_changes_read_as_labelled_figures():
    assert metric_line("people_in_groups", 18, 17) == "People on groups: 18 → 17 (1 fewer)"
    assert metric_line("components", 1, 2) == "Parts of the system: 1 → 2 (1 more)"
    assert metric_line("meeting_share_max", 0.023, 0.013) == "Largest share of working time in meetings: 2.3% → 1.3%"
    assert metric_line("person_hours_per_year_max", 39.0, 22.0) == "Hours a year per person (most): 39 → 22"
    assert metric_line("upstream_downstream_balance", 0.5, None) == (
        "Upstream-downstream balance (-1 to 1): 0.5 → none (no upstream or downstream groups)"
    )


def test_the_coordinator_leaving_in_words(coordinator_leaves):
    profile = coordinator_leaves.profile_words()
    assert profile == ["Strong project management: evident → not evident (level 2 → level 0 of 3, down 2 levels)"]
    metrics = coordinator_leaves.metric_words()
    assert "People on groups: 18 → 17 (1 fewer)" in metrics
    assert "Parts of the system: 1 → 2 (1 more)" in metrics
    for line in profile + metrics:
        assert not KEY.search(line), line
        assert "_" not in line, line


def test_metric_words_agree_with_the_report_and_cover_every_figure_of_the_samples():
    for name, label in METRIC_LABELS.items():
        assert METRIC_WORDS[name] == label
    for path in SAMPLE_PATHS:
        metrics = audit(load_path(path)).metrics
        numeric = {k for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        assert numeric <= set(METRIC_WORDS), sorted(numeric - set(METRIC_WORDS))
    assert set(DIMENSION_LABELS) and set(LEVEL_WORDS)


def test_a_new_key_group_is_named(abingdon):
    draft = DraftGroup(
        name="Abingdon children's forum",
        type="forum",
        members=("coordinator", "head-primary-a", "youth-worker"),
        links=(
            DraftLink("reports_to", "abingdon-steering-group"),
            DraftLink("feeds_issues_to", "abingdon-panel", False),
        ),
    )
    patched = apply_patch(abingdon, draft.patch(abingdon))
    change = what_if(abingdon, patch=patched)
    assert any(line.startswith("Key communication group: ") for line in change.metric_words())
    assert all("--" not in line for line in change.metric_words())


def test_a_draft_group_gets_a_free_id_from_its_name(abingdon):
    assert "county-iss-steering-group" in {g.id for g in abingdon.groups}
    data = DraftGroup(name="County ISS steering group", type="forum").patch(abingdon)
    assert data["groups"][0]["id"] == "county-iss-steering-group-2"
    assert DraftGroup(name="Parents' Forum, Abingdon", type="forum").patch(abingdon)["groups"][0]["id"] == (
        "parents-forum-abingdon"
    )
    assert DraftGroup(name="¿¿??", type="forum").patch(abingdon)["groups"][0]["id"] == "draft-group"
    links = DraftGroup(name="X", type="forum", links=(DraftLink("consults", "abingdon-panel", False),)).patch(abingdon)
    assert links["links"] == [{"from": "abingdon-panel", "kind": "consults", "to": "x"}]


def test_a_change_is_described_by_names(abingdon):
    text = describe_change(abingdon, people=["coordinator"], groups=["abingdon-panel"])
    assert "Co-ordinator, Abingdon ISS pilot" in text and "coordinator" not in text.replace("Co-ordinator", "")
    assert describe_change(abingdon, draft_name="New forum") == "with a new group, New forum"


def test_the_cli_prints_the_words(capsys):
    code = main(["audit", str(ABINGDON), "--without", "person:coordinator"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Strong project management: evident → not evident" in out
    assert "People on groups: 18 → 17 (1 fewer)" in out
    assert "Co-ordinator, Abingdon ISS pilot" in out
    assert "strong_project_management" not in out and "people_in_groups" not in out


def test_the_cli_json_keeps_its_machine_fields_and_adds_the_words(capsys):
    code = main(["audit", str(ABINGDON), "--without", "person:coordinator", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["metric_changes"]["components"] == {"before": 1, "after": 2}
    assert data["profile_changes"]["strong_project_management"] == {"before": 1, "after": 0}
    assert "Parts of the system: 1 → 2 (1 more)" in data["in_words"]["metrics"]
    assert data["in_words"]["profile"][0].startswith("Strong project management:")
