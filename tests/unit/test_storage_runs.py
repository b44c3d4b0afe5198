"""Runs kept with a project, on real SQLite files: save, list, reopen, delete, hostile input."""

from __future__ import annotations

import json
import random
import sqlite3
import zlib
from typing import Any

import pytest

from app.storage import RunReplication, Store, errors, runs
from app.storage.runs import MAX_RESULTS_BYTES, decode_results
from tests.support import storage_fixtures
from tests.support.storage_fixtures import SeededStore

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users

DESIGN = json.dumps({"format": "sdsim", "version": 2, "name": "Shop",
                     "components": [{"id": "web", "type": "web_server"}], "links": []})


def replication(seed: int, latency: float) -> RunReplication:
    summary = {"end_to_end": {"latency_ms": {"mean": latency, "p99": latency * 4},
                              "throughput_rps": 100.0}}
    series = {"times": [1.0, 2.0, 3.0],
              "end_to_end": {"latency_mean_ms": [latency, None, latency * 1.1]}}
    return RunReplication(seed, summary, series)


def save(seeded: SeededStore, project_id: str, label: str = "Load ×2", **kw: Any) -> Any:
    defaults: dict[str, Any] = {
        "seed": 2**64 - 1,
        "settings": {"variant": "load ×2", "overrides": {"users.rate_rps": 200},
                     "replications": 2},
        "app_version": "0.1.0",
    }
    defaults.update(kw)
    reps = defaults.pop("replications", [replication(11, 10.0), replication(12, 12.5)])
    return seeded.store.runs.save(seeded.alice, project_id, label, DESIGN, reps, **defaults)


def test_save_list_load_delete_and_cascade(seeded: SeededStore) -> None:
    store, alice = seeded.store, seeded.alice
    project = store.projects.create(alice, "Shop", DESIGN)
    first = save(seeded, project.id, "  Baseline   run ")
    seeded.clock.advance(60)
    second = save(seeded, project.id)
    assert first.label == "Baseline run" and first.seed == 2**64 - 1
    assert first.settings["overrides"] == {"users.rate_rps": 200}
    assert [r.id for r in store.runs.list(alice, project.id)] == [second.id, first.id]
    loaded = store.runs.load(alice, second.id)
    assert loaded.info == second
    assert loaded.design == DESIGN
    assert [r.seed for r in loaded.replications] == [11, 12]
    assert loaded.replications[1].summary["end_to_end"]["latency_ms"]["mean"] == 12.5
    assert loaded.replications[0].series["end_to_end"]["latency_mean_ms"] == [10.0, None, 11.0]
    # The design that ran is kept even after the project moves on.
    store.projects.save(alice, project.id, DESIGN.replace("Shop", "Shop 2"))
    assert store.runs.load(alice, first.id).design == DESIGN
    store.runs.delete(alice, first.id)
    assert [r.id for r in store.runs.list(alice, project.id)] == [second.id]
    with pytest.raises(errors.NotFound):
        store.runs.load(alice, first.id)
    store.projects.delete(alice, project.id)
    with sqlite3.connect(seeded.path) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_runs_belong_to_the_projects_owner(seeded: SeededStore) -> None:
    store = seeded.store
    project = store.projects.create(seeded.alice, "Shop", DESIGN)
    run = save(seeded, project.id)
    with pytest.raises(errors.NotAllowed):
        store.runs.load(seeded.bob, run.id)
    with pytest.raises(errors.NotAllowed):
        store.runs.list(seeded.bob, project.id)
    with pytest.raises(errors.NotAllowed):
        store.runs.delete(seeded.bob, run.id)
    with pytest.raises(errors.NotAllowed):
        store.runs.save(seeded.bob, project.id, "mine", DESIGN, [replication(1, 1.0)], seed=1)
    with pytest.raises(errors.NotFound):
        store.runs.load(seeded.alice, 12345)  # type: ignore[arg-type]
    assert store.runs.list(seeded.alice, project.id) == [run]


@pytest.mark.parametrize(("label", "field"), [
    ("", "label"),
    ("   ", "label"),
    ("x" * 201, "label"),
    ("evil\x00label", "label"),
    ("right\u202eto left", "label"),
    ("\ud800", "label"),
    (None, "label"),
])
def test_hostile_labels_get_one_message(seeded: SeededStore, label: Any, field: str) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    with pytest.raises(errors.ValidationError) as caught:
        save(seeded, project.id, label)
    assert caught.value.field == field
    assert "label" in str(caught.value)
    assert seeded.store.runs.list(seeded.alice, project.id) == []


def test_unicode_label_and_nan_results_are_kept(seeded: SeededStore) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    nan_rep = RunReplication(3, {"end_to_end": {"latency_ms": {"mean": float("nan")}}},
                             {"times": [1.0], "end_to_end": {"x": [float("inf")]}})
    run = save(seeded, project.id, "Ünïcödé 負荷 ×2 — “quoted” <b>bold</b>",
               replications=[nan_rep])
    loaded = seeded.store.runs.load(seeded.alice, run.id)
    assert loaded.info.label == "Ünïcödé 負荷 ×2 — “quoted” <b>bold</b>"
    assert loaded.replications[0].summary["end_to_end"]["latency_ms"]["mean"] is None
    assert loaded.replications[0].series["end_to_end"]["x"] == [None]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"seed": -1}, "seed"),
    ({"seed": 2**64}, "seed"),
    ({"seed": True}, "seed"),
    ({"replications": []}, "replications"),
    ({"replications": [{"seed": 1}]}, "replications"),
    ({"settings": {"x": object()}}, "settings"),
    ({"settings": {"x": "y" * 70_000}}, "settings"),
    ({"settings": ["not", "an", "object"]}, "settings"),
])
def test_bad_arguments_are_refused(seeded: SeededStore, kwargs: dict[str, Any],
                                   field: str) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    with pytest.raises(errors.ValidationError) as caught:
        save(seeded, project.id, **kwargs)
    assert caught.value.field == field


def test_oversize_results_are_refused(seeded: SeededStore,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    # The caps are lowered so the test needs megabytes, not the real tens of them.
    monkeypatch.setattr(runs, "MAX_RESULTS_BYTES", 256 * 1024)
    monkeypatch.setattr(runs, "MAX_RESULTS_JSON_BYTES", 4 * 1024 * 1024)
    draw = random.Random(5)
    noise = [draw.random() for _ in range(60_000)]  # ~1.1 MB of JSON, ~0.5 MB compressed
    big = RunReplication(1, {}, {"end_to_end": {"latency_mean_ms": noise}})
    with pytest.raises(errors.ValidationError) as caught:
        save(seeded, project.id, replications=[big])
    assert "too large to keep" in str(caught.value) and "at most 0 MB" not in str(caught.value)
    assert "compressed" in str(caught.value)
    huge = RunReplication(1, {}, {"end_to_end": {"x": [0.0] * 1_100_000}})  # 4.4 MB of "0.0,"
    with pytest.raises(errors.ValidationError, match="as JSON; at most 4 MB"):
        save(seeded, project.id, replications=[huge])
    assert seeded.store.runs.list(seeded.alice, project.id) == []
    assert MAX_RESULTS_BYTES == 16 * 1024 * 1024  # the real cap, for the record


@pytest.mark.parametrize("blob", [
    b"not zlib at all",
    zlib.compress(b"{not json"),
    zlib.compress(b'{"format": 1, "replications": [{"seed": "x", "summary": {}, "series": {}}]}'),
    zlib.compress(b'{"format": 99, "replications": []}'),
    zlib.compress(b"[1, 2, 3]"),
    zlib.compress(b"[" * 100_000),
    zlib.compress(b" " * (129 * 1024 * 1024), 9),  # inflates past the cap
    zlib.compress(b'{"format": 1, "replications": []}')[:-3],  # truncated
])
def test_a_damaged_results_blob_gives_one_clear_error(seeded: SeededStore, blob: bytes) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    run = save(seeded, project.id, "Nightly")
    with sqlite3.connect(seeded.path) as db:
        db.execute("UPDATE runs SET results = ? WHERE id = ?", (blob, run.id))
    with pytest.raises(errors.DatabaseError) as caught:
        seeded.store.runs.load(seeded.alice, run.id)
    assert str(caught.value) == ("The kept run “Nightly” is damaged: its results cannot be "
                                 "read. Delete it and run it again.")
    # The listing does not read the results, and deleting the damaged run works.
    assert [r.id for r in seeded.store.runs.list(seeded.alice, project.id)] == [run.id]
    seeded.store.runs.delete(seeded.alice, run.id)


def test_damaged_settings_or_a_wrong_column_type_are_storage_errors(
        seeded: SeededStore) -> None:
    project = seeded.store.projects.create(seeded.alice, "Shop", DESIGN)
    run = save(seeded, project.id, "Nightly")
    with sqlite3.connect(seeded.path) as db:
        db.execute("UPDATE runs SET settings = '{oops', results = 'text, not a blob' "
                   "WHERE id = ?", (run.id,))
    with pytest.raises(errors.DatabaseError, match="“Nightly” is damaged: its settings"):
        seeded.store.runs.list(seeded.alice, project.id)
    with pytest.raises(errors.StorageError):
        seeded.store.runs.load(seeded.alice, run.id)


def test_decode_round_trip_without_a_database() -> None:
    from app.storage.runs import encode_results

    reps = (replication(1, 1.0), replication(2, 2.0))
    assert decode_results(encode_results(reps)) == reps


def test_an_old_database_is_migrated_to_have_runs(tmp_path: Any) -> None:
    from alembic import command

    from app.storage.db import create_sqlite_engine
    from app.storage.migrate import alembic_config, head_revision

    path = tmp_path / "old.sqlite3"
    engine = create_sqlite_engine(path, foreign_keys=False)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    engine.dispose()
    with Store.open(path) as store:
        assert store.path == path
    with sqlite3.connect(path) as db:
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision == (head_revision(),)
        columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    assert {"label", "settings", "seed", "design", "results"} <= columns
    assert (tmp_path / "old.sqlite3.before-0002.bak").exists()
