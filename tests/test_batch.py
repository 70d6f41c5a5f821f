"""Reading and auditing many files on every core (app.cli.batch) gives exactly the serial answers."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from analysis.settings import DEFAULT_SETTINGS
from app.cli import batch
from app.errors import UserError
from app.storage.sources import NotALocality
from tests.conftest import SAMPLES_DIR


def no_progress(items, description, total=None):
    return items


def run(refs, documents=True, skipped=None):
    return batch.read_and_audit(
        [str(r) for r in refs],
        None,
        DEFAULT_SETTINGS,
        on_skip=(skipped.append if skipped is not None else lambda skip: None),
        progress=no_progress,
        documents=documents,
    )


def serial(monkeypatch, refs, **kwargs):
    with monkeypatch.context() as patch:
        patch.setattr(batch, "PARALLEL_FROM", 10**9)
        return run(refs, **kwargs)


def parallel_only(monkeypatch):
    """Make the serial path fail, so a test passes only if the workers answered."""

    def refuse(*args, **kwargs):
        raise AssertionError("the serial path was taken")

    monkeypatch.setattr(batch, "load_localities", refuse)


@pytest.fixture
def folder(tmp_path) -> Path:
    for path in sorted(SAMPLES_DIR.glob("*.yaml")):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_the_workers_give_the_serial_audits_and_documents(folder, monkeypatch):
    expected_documents, expected_audits, expected_sources, expected_names = serial(monkeypatch, [folder])
    parallel_only(monkeypatch)
    documents, audits, sources, names = run([folder])
    assert sources == expected_sources and names == expected_names  # the hashes are the serial path's
    assert len(audits) >= batch.PARALLEL_FROM
    assert [a.as_dict() for a in audits] == [a.as_dict() for a in expected_audits]
    assert documents == expected_documents


def test_without_documents_only_the_audits_come_back(folder, monkeypatch):
    parallel_only(monkeypatch)
    documents, audits, _, _ = run([folder], documents=False)
    assert documents is None
    # in file order (template.yaml holds the example locality)
    assert [a.locality for a in audits] == [
        "abingdon",
        "banbury",
        "bicester",
        "city",
        "kidlington",
        "example-locality",
        "thame",
    ]


def test_a_file_that_is_no_locality_is_skipped_with_a_word_in_order(folder, monkeypatch):
    (folder / "index.json").write_text('{"format": "locmap-synth/1"}')
    skipped: list = []
    parallel_only(monkeypatch)
    _, audits, _, _ = run([folder], documents=False, skipped=skipped)
    assert [s.path.name for s in skipped] == ["index.json"]
    assert "thame" in [a.locality for a in audits]


def test_a_bad_file_is_reported_as_the_serial_path_reports_it(folder, monkeypatch):
    (folder / "broken.yaml").write_text("format: locmap/1\nlocality: [unclosed\n")
    with pytest.raises(Exception) as serial_error:
        serial(monkeypatch, [folder])
    with pytest.raises(Exception) as parallel_error:
        run([folder])
    assert type(parallel_error.value) is type(serial_error.value)
    assert str(parallel_error.value) == str(serial_error.value)


def test_two_files_of_one_locality_are_refused_naming_both(folder, monkeypatch):
    shutil.copy(folder / "thame.yaml", folder / "thame-copy.yaml")
    parallel_only(monkeypatch)
    with pytest.raises(UserError, match=r"thame.yaml and .*thame-copy.yaml are the same locality"):
        run([folder], documents=False)


def test_a_skip_survives_the_journey_back_from_a_worker():
    skip = pickle.loads(pickle.dumps(NotALocality(Path("index.json"), "not a locality document")))
    assert (skip.path, skip.reason) == (Path("index.json"), "not a locality document")


def test_the_heap_frozen_for_the_workers_is_thawed_after(folder, monkeypatch):
    import gc

    parallel_only(monkeypatch)
    frozen, pooled = [], batch._pooled
    monkeypatch.setattr(batch, "_pooled", lambda *args: frozen.append(gc.get_freeze_count()) or pooled(*args))
    assert len(run([folder]).audits) == 7
    assert frozen[0] > 0  # the workers inherit a frozen heap: the collector never traverses it there
    assert gc.get_freeze_count() == 0
