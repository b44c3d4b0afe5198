"""Projects on real SQLite files: ownership, versions, restore, files, templates, recovery."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from app.storage import Store, errors, summarize_changes
from app.storage.records import ChangeSummary
from app.storage.templates import TemplateService
from tests.support import storage_fixtures
from tests.support.storage_fixtures import (
    SeededStore,
)

seeded = storage_fixtures.seeded
seeded_users = storage_fixtures.seeded_users


def design(*component_ids: str, **extra: Any) -> dict[str, Any]:
    """A small .sdsim-shaped document with the given components."""
    return {
        "format": "sdsim", "version": 1, "name": "Shop",
        "components": [{"id": cid, "type": "web_server"} for cid in component_ids],
        "links": [], **extra,
    }


def test_create_get_save_versions_and_restore(seeded: SeededStore) -> None:
    projects, alice, clock = seeded.store.projects, seeded.alice, seeded.clock
    project = projects.create(alice, "  Web   shop ", design("web"))
    assert project.name == "Web shop" and project.version == 1
    clock.advance(60)
    text = json.dumps(design("web", "cache"))
    saved = projects.save(alice, project.id, text, note="Add a cache")
    assert (saved.number, saved.note, saved.author_email) == (2, "Add a cache",
                                                              "Alice.Archer@example.com")
    assert projects.get(alice, project.id).document == text  # stored exactly as given
    assert json.loads(projects.get(alice, project.id, version=1).document) == design("web")
    history = projects.versions(alice, project.id)
    assert [v.number for v in history] == [2, 1]
    assert history[0].created_at > history[1].created_at
    restored = projects.restore(alice, project.id, 1)
    assert restored.number == 3 and restored.note == "Restored version 1"
    assert json.loads(projects.get(alice, project.id).document) == design("web")
    assert [v.number for v in projects.versions(alice, project.id)] == [3, 2, 1]
    summary = projects.changes(alice, project.id, 1, 2)
    assert summary == ChangeSummary(added=("cache",))
    assert projects.changes(alice, project.id, 2).removed == ("cache",)
    with pytest.raises(errors.NotFound):
        projects.restore(alice, project.id, 99)


def test_documents_as_text_dict_or_model_document(seeded: SeededStore) -> None:
    from app.model import Component, Document

    projects, alice = seeded.store.projects, seeded.alice
    doc = Document(name="Model doc", components=[Component(id="users", type="client")])
    project = projects.create(alice, "From the model", doc)
    assert json.loads(projects.get(alice, project.id).document)["components"][0]["id"] == "users"
    with pytest.raises(errors.InvalidDocument, match="not valid JSON"):
        projects.save(alice, project.id, "{not json")
    with pytest.raises(errors.InvalidDocument, match="JSON object"):
        projects.save(alice, project.id, "[1, 2]")
    with pytest.raises(errors.InvalidDocument):
        projects.save(alice, project.id, 42)
    with pytest.raises(errors.ValidationError, match="name"):
        projects.create(alice, "   ", design())


def test_two_users_cannot_touch_each_others_projects(seeded: SeededStore, tmp_path: Path) -> None:
    store, alice, bob = seeded.store, seeded.alice, seeded.bob
    mine = store.projects.create(alice, "Alice's design", design("a"))
    theirs = store.projects.create(bob, "Bob's design", design("b"))
    assert [p.name for p in store.projects.list(alice)] == ["Alice's design"]
    assert [p.name for p in store.projects.list(bob)] == ["Bob's design"]
    attempts = {
        "get": lambda: store.projects.get(bob, mine.id),
        "save": lambda: store.projects.save(bob, mine.id, design("x")),
        "delete": lambda: store.projects.delete(bob, mine.id),
        "versions": lambda: store.projects.versions(bob, mine.id),
        "restore": lambda: store.projects.restore(bob, mine.id, 1),
        "rename": lambda: store.projects.rename(bob, mine.id, "Mine now"),
        "duplicate": lambda: store.projects.duplicate(bob, mine.id),
        "changes": lambda: store.projects.changes(bob, mine.id, 1),
        "export": lambda: store.projects.export_file(bob, mine.id, tmp_path / "x.sdsim"),
        "autosave": lambda: store.recovery.write(bob, mine.id, design("x")),
    }
    for name, attempt in attempts.items():
        with pytest.raises(errors.NotAllowed):
            attempt()
        assert not (tmp_path / "x.sdsim").exists(), name
    assert store.projects.get(alice, mine.id).version == 1  # nothing changed
    assert store.projects.get(bob, theirs.id).version == 1
    with pytest.raises(errors.NotFound):
        store.projects.get(alice, "no-such-project")
    store.accounts.logout(bob)
    with pytest.raises(errors.SessionExpired):
        store.projects.get(bob, theirs.id)


def test_rename_duplicate_delete_search_and_sort(seeded: SeededStore) -> None:
    projects, alice, clock = seeded.store.projects, seeded.alice, seeded.clock
    older = projects.create(alice, "Payments API", design("api"))
    clock.advance(60)
    newer = projects.create(alice, "Chat backend", design("ws"))
    assert [p.id for p in projects.list(alice)] == [newer.id, older.id]
    clock.advance(60)
    projects.save(alice, older.id, design("api", "db"))
    assert [p.id for p in projects.list(alice)] == [older.id, newer.id]  # last modified first
    renamed = projects.rename(alice, newer.id, "Chat service")
    assert renamed.name == "Chat service"
    clock.advance(60)
    copy = projects.duplicate(alice, older.id)
    assert copy.name == "Payments API (copy)" and copy.version == 1
    assert projects.get(alice, copy.id).document == projects.get(alice, older.id).document
    assert projects.versions(alice, copy.id)[0].note.startswith("Duplicated from")
    assert [p.name for p in projects.list(alice, search="payMENTS")] == [
        "Payments API (copy)", "Payments API"]
    assert projects.list(alice, search="100%_") == []
    projects.delete(alice, older.id)
    with pytest.raises(errors.NotFound):
        projects.get(alice, older.id)
    assert projects.count(alice) == 2
    seeded.store.close()
    with sqlite3.connect(seeded.path) as raw:  # the versions went with it (foreign key cascade)
        left = raw.execute("SELECT count(*) FROM project_versions WHERE project_id = ?",
                           (older.id,)).fetchone()
    assert left == (0,)


def test_change_summary_between_documents() -> None:
    old = design("users", "web", "db")
    old["links"] = [{"source": "users", "target": "web"}, {"source": "web", "target": "db"}]
    new = design("users", "web", "cache", simulation={"seed": 7})
    new["components"][1]["replicas"] = 3
    new["links"] = [{"source": "users", "target": "web"}, {"source": "web", "target": "cache"}]
    summary = summarize_changes(json.dumps(old), new)
    assert summary.added == ("cache",)
    assert summary.removed == ("db",)
    assert summary.changed == ("web",)
    assert (summary.links_added, summary.links_removed) == (1, 1)
    assert summary.other == ("simulation",)
    assert summary.describe() == ("added: cache; removed: db; changed: web; 1 link added; "
                                  "1 link removed; also changed: simulation")
    assert summarize_changes(old, old).is_empty
    assert summarize_changes({}, {"components": "junk"}).describe() == "also changed: components"


def test_export_is_atomic_and_import_validates(seeded: SeededStore, tmp_path: Path) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    template = Path(seeded.store.templates.list()[0].path)
    project = projects.import_file(alice, template)
    assert project.name == template.stem
    target = tmp_path / "out" / "design.sdsim"
    target.parent.mkdir()
    target.write_text("old content")
    projects.export_file(alice, project.id, target)
    assert target.read_text(encoding="utf-8") == template.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["design.sdsim"]  # no temp left
    bad = tmp_path / "bad.sdsim"
    bad.write_text('{"format": "sdsim", "version": 1, "components": [{"id": 1}]}')
    with pytest.raises(errors.InvalidDocument, match="components"):
        projects.import_file(alice, bad)
    with pytest.raises(errors.NotFound):
        projects.import_file(alice, tmp_path / "missing.sdsim")


def test_templates_are_listed_for_everyone_and_an_empty_folder_is_fine(
    seeded: SeededStore, tmp_path: Path
) -> None:
    templates = seeded.store.templates.list()
    assert templates, "resources/templates ships .sdsim templates"
    assert all(t.path.suffix == ".sdsim" and t.name for t in templates)
    for session in (seeded.alice, seeded.bob):
        made = seeded.store.projects.create_from_template(session, templates[0].key)
        assert seeded.store.projects.get(session, made.id).document == templates[0].path.read_text(
            encoding="utf-8")
    with pytest.raises(errors.NotFound):
        seeded.store.templates.load("../etc/passwd")
    assert TemplateService(tmp_path / "empty").list() == []
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "broken.sdsim").write_text("{")
    (tmp_path / "t" / "ok_one.sdsim").write_text("{}")
    assert [t.name for t in TemplateService(tmp_path / "t").list()] == ["Ok one"]


def test_recovery_slot_offered_only_after_a_crash(seeded: SeededStore) -> None:
    store, alice = seeded.store, seeded.alice
    project = store.projects.create(alice, "Draft", design("a"))
    store.recovery.write(alice, project.id, design("a", "b"))
    store.recovery.write(alice, project.id, design("a", "b", "c"))  # same slot, overwritten
    store.recovery.write(None, None, design("offline"))
    assert store.recovery.pending(alice) == []  # our own live slot is not "left over"
    with Store.open(seeded.path, clock=seeded.clock) as second:  # another window, running
        assert second.recovery.pending(alice) == []
    # Simulate a crash: the instance lock goes away but the slots stay.
    store._instance.release()
    with Store.open(seeded.path, clock=seeded.clock) as after_crash:
        [entry] = after_crash.recovery.pending(alice)
        assert entry.project_id == project.id and entry.project_name == "Draft"
        assert [c["id"] for c in json.loads(entry.document)["components"]] == ["a", "b", "c"]
        assert after_crash.recovery.pending(seeded.bob) == []
        [offline] = after_crash.recovery.pending(None)
        with pytest.raises(errors.NotAllowed):
            after_crash.recovery.discard(seeded.bob, entry.id)
        after_crash.recovery.discard(alice, entry.id)
        after_crash.recovery.discard(None, offline.id)
        assert after_crash.recovery.pending(alice) == []


def test_clean_shutdown_clears_the_slot(seeded: SeededStore) -> None:
    seeded.store.recovery.write(seeded.alice, None, design("x"))
    seeded.store.recovery.clear(seeded.alice, None)
    seeded.store.recovery.write(seeded.bob, None, design("y"))
    seeded.store.close()
    with Store.open(seeded.path, clock=seeded.clock) as reopened:
        assert reopened.recovery.pending(seeded.alice) == []
        assert reopened.recovery.pending(seeded.bob) == []


def test_saving_from_many_threads_numbers_versions_without_gaps(seeded: SeededStore) -> None:
    projects, alice = seeded.store.projects, seeded.alice
    project = projects.create(alice, "Busy", design())
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                projects.save(alice, project.id, design(f"t{n}-{i}"))
                projects.list(alice)
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [v.number for v in projects.versions(alice, project.id)] == list(range(41, 0, -1))


def test_a_format_upgrade_is_not_a_change_the_user_made() -> None:
    old = {"format": "sdsim", "version": 1, "name": "A", "components": [], "links": []}
    new = dict(old, version=2)
    assert summarize_changes(old, new).other == ()
    assert summarize_changes(old, dict(new, name="B")).other == ("name",)
