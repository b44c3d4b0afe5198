"""EditorDocument and its undo commands: every edit is one undo step and undoes exactly."""

from __future__ import annotations

import copy
import dataclasses

from app.model import fileformat
from app.model.document import Document, Link, SimulationSettings
from app.ui.document import EditorDocument
from tests.ui.helpers import small_design


def _text(doc: EditorDocument) -> str:
    return fileformat.dumps(doc.model)


def test_add_component_is_one_undoable_step(qapp) -> None:
    doc = EditorDocument(Document())
    added: list[str] = []
    doc.component_added.connect(added.append)
    cid = doc.add_component("web_server", (100, 40))
    assert cid == "web_server" and added == ["web_server"]
    comp = doc.model.component("web_server")
    assert comp.name == "Web server" and comp.position == (100.0, 40.0)
    assert doc.add_component("web_server", (0, 0)) == "web_server_2"
    assert doc.model.component("web_server_2").name == "Web server 2"
    assert doc.undo_stack.count() == 2 and doc.is_modified
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.model.components == [] and not doc.is_modified


def test_connect_refuses_invalid_links(qapp) -> None:
    doc = EditorDocument(small_design())
    assert doc.connect_refusal("web", "web") is not None  # itself
    assert doc.connect_refusal("users", "lb") is not None  # already connected
    assert doc.connect_refusal("web", "users") is not None  # clients serve no calls
    assert doc.connect_refusal("web", "nope") is not None
    assert not doc.add_link("web", "users")
    assert doc.undo_stack.count() == 0
    assert doc.add_link("web", "db")
    assert doc.find_link(("web", "db")) is not None


def test_delete_component_removes_its_links_and_undo_restores_order(qapp) -> None:
    doc = EditorDocument(small_design())
    before = _text(doc)
    doc.delete_items(["web"], [])
    assert not doc.has_component("web")
    assert [lk.key for lk in doc.model.links] == [("users", "lb"), ("cache", "db")]
    assert doc.undo_stack.count() == 1  # one macro
    doc.undo_stack.undo()
    assert _text(doc) == before
    doc.undo_stack.redo()
    assert not doc.has_component("web")


def test_delete_several_components_sharing_a_link(qapp) -> None:
    doc = EditorDocument(small_design())
    before = _text(doc)
    doc.delete_items(["lb", "web"], [("lb", "web"), ("users", "lb")])
    assert [c.id for c in doc.model.components] == ["users", "cache", "db"]
    doc.undo_stack.undo()
    assert _text(doc) == before


def test_move_is_one_command_for_all_moved_components(qapp) -> None:
    doc = EditorDocument(small_design())
    doc.move_components({"lb": (220.0, 20.0), "web": (420.0, 20.0), "db": (800.0, 0.0)})
    assert doc.undo_stack.count() == 1
    assert doc.model.component("lb").position == (220.0, 20.0)
    doc.undo_stack.undo()
    assert doc.model.component("lb").position == (200.0, 0.0)
    assert doc.model.component("web").position == (400.0, 0.0)


def test_edits_replace_records_and_never_mutate_the_old_ones(qapp) -> None:
    doc = EditorDocument(small_design())
    old = doc.model.component("web")
    kept = copy.deepcopy(old)
    doc.edit_component(dataclasses.replace(old, replicas=5), "Change replicas")
    assert doc.model.component("web").replicas == 5
    assert old == kept  # the record the undo command holds is untouched
    doc.edit_link(Link("lb", "web", probability=0.5), "Change probability")
    assert doc.find_link(("lb", "web")).probability == 0.5
    doc.edit_simulation(SimulationSettings(duration_s=30, warmup_s=1, seed=3), "Run settings")
    doc.edit_properties("Renamed", "About it")
    assert doc.undo_stack.count() == 4
    for _ in range(4):
        doc.undo_stack.undo()
    assert _text(doc) == fileformat.dumps(small_design())


def test_paste_renames_ids_and_keeps_internal_links(qapp) -> None:
    doc = EditorDocument(small_design())
    fragment = doc.fragment(["web", "cache"])
    assert [lk.key for lk in fragment.links] == [("web", "cache")]
    new_ids = doc.paste(fragment, (40.0, 40.0))
    assert new_ids == ["web_2", "cache_2"]
    assert doc.find_link(("web_2", "cache_2")) is not None
    assert doc.model.component("web_2").position == (440.0, 40.0)
    assert doc.model.component("web_2").name == "Web 2"
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert not doc.has_component("web_2")


def test_locked_document_refuses_edits(qapp) -> None:
    doc = EditorDocument(small_design())
    doc.set_locked(True)
    assert doc.add_component("cache", (0, 0)) is None
    assert not doc.add_link("web", "db")
    doc.delete_items(["web"], [])
    doc.move_components({"web": (0.0, 0.0)})
    assert doc.undo_stack.count() == 0 and doc.has_component("web")


def test_reset_clears_history_and_modified_state(qapp) -> None:
    doc = EditorDocument(Document())
    doc.add_component("client", (0, 0))
    states: list[bool] = []
    doc.modified_changed.connect(states.append)
    doc.reset(small_design())
    assert doc.undo_stack.count() == 0 and not doc.is_modified
    assert states[-1] is False


def test_problems_are_computed_once_per_change_and_follow_every_change(qapp) -> None:
    """Run and the canvas marks share one validation per change (#14); an edit, an
    undo and a redo each make the next read see the design as it is then."""
    doc = EditorDocument(small_design())
    first = doc.problems()
    assert first == () and doc.problems() is first  # cached: the same tuple
    sim = doc.model.simulation
    doc.edit_simulation(dataclasses.replace(sim, warmup_s=sim.duration_s + 1), "Warm-up")
    assert any("less than duration_s" in p.message for p in doc.problems())
    doc.undo_stack.undo()
    assert doc.problems() == ()
    doc.undo_stack.redo()
    assert doc.problems() != ()


def test_a_new_design_is_validated_afresh_for_whoever_listens_to_the_reset(qapp) -> None:
    """New/Open: listeners of ``document_reset`` (the canvas marks) read the new
    design's problems, not the old one's."""
    doc = EditorDocument(small_design())
    assert doc.problems() == ()
    broken = small_design()
    broken.simulation = dataclasses.replace(broken.simulation,
                                            warmup_s=broken.simulation.duration_s + 1)
    seen: list[tuple[object, ...]] = []
    doc.document_reset.connect(lambda: seen.append(doc.problems()))
    doc.reset(broken)
    assert seen and seen[0] != ()
