"""Designs without positions are laid out on opening; double-click adds at a free spot."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from PySide6.QtCore import Qt

from app.model import fileformat
from app.model.document import Component, Document, Link
from app.ui.document import LAYOUT_COMMAND_TEXT
from app.ui.layout import (
    MIN_GAP,
    NODE_HEIGHT,
    NODE_WIDTH,
    Occupancy,
    arrange_piled,
    free_spot,
    layered_layout,
)


def _write(tmp_path: Path, components: list[dict], links: list[dict],
           name: str = "nopos.sdsim") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"format": "sdsim", "version": 1, "name": "No positions",
                                "components": components, "links": links}), encoding="utf-8")
    return path


def _no_position_design(tmp_path: Path) -> Path:
    """users -> lb -> web -> {cache, db}; cache -> db; no component has a position."""
    return _write(tmp_path, [
        {"id": "db", "type": "database"},
        {"id": "web", "type": "web_server"},
        {"id": "users", "type": "client", "workload": {"pattern": "poisson", "rate_rps": 50}},
        {"id": "cache", "type": "cache"},
        {"id": "lb", "type": "load_balancer"},
    ], [
        {"source": "users", "target": "lb"}, {"source": "lb", "target": "web"},
        {"source": "web", "target": "cache"}, {"source": "web", "target": "db"},
        {"source": "cache", "target": "db"},
    ])


def _overlapping(window) -> list[tuple[str, str]]:
    nodes = window.scene.node_items()
    return [(a.component_id, b.component_id) for a, b in combinations(nodes, 2)
            if a.sceneBoundingRect().intersects(b.sceneBoundingRect())]


def test_a_file_without_positions_opens_laid_out_by_the_call_graph(window, qtbot,
                                                                   tmp_path) -> None:
    path = _no_position_design(tmp_path)
    window.files.ask_open_path = lambda: path
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.errors == []
    model = window.document.model
    x = {c.id: c.position[0] for c in model.components}
    # Clients on the left, then by depth; db sits right of cache, its deepest caller.
    assert x["users"] < x["lb"] < x["web"] < x["cache"] < x["db"]
    assert _overlapping(window) == []
    assert all(node.pos().x() == x[node.component_id] for node in window.scene.node_items())
    # The layout is a change to the design: one undo step, the title shows it modified.
    assert window.document.is_modified and window.isWindowModified()
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.undoText() == LAYOUT_COMMAND_TEXT
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {c.position for c in window.document.model.components} == {(0.0, 0.0)}
    assert not window.document.is_modified
    qtbot.keyClick(window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _overlapping(window) == []
    # Save keeps the layout: reopening needs none.
    window.files.save_to(path)
    window.load_file(path)
    assert not window.document.is_modified and window.document.undo_stack.count() == 0
    assert {c.id: c.position[0] for c in window.document.model.components} == x


def test_only_the_piled_components_of_a_partly_placed_file_move(window, tmp_path) -> None:
    path = _write(tmp_path, [
        {"id": "users", "type": "client", "position": [0, 0],
         "workload": {"pattern": "poisson", "rate_rps": 50}},
        {"id": "web", "type": "web_server", "position": [200, 0]},
        {"id": "db", "type": "database"},
        {"id": "cache", "type": "cache"},
    ], [{"source": "users", "target": "web"}, {"source": "web", "target": "db"},
        {"source": "web", "target": "cache"}])
    window.load_file(path)
    model = window.document.model
    assert model.component("users").position == (0.0, 0.0)
    assert model.component("web").position == (200.0, 0.0)
    assert model.component("db").position != (0.0, 0.0)
    assert _overlapping(window) == []


def test_a_placed_design_is_left_alone(window, tmp_path) -> None:
    doc = Document(components=[Component("a", "client", position=(0.0, 0.0)),
                               Component("b", "web_server", position=(10.0, 0.0))])
    path = tmp_path / "placed.sdsim"
    fileformat.save(doc, path)
    window.load_file(path)
    assert [c.position for c in window.document.model.components] == [(0.0, 0.0), (10.0, 0.0)]
    assert not window.document.is_modified


def test_cycles_self_links_and_unreached_components_are_laid_out() -> None:
    doc = Document(
        components=[Component("u", "client"), Component("a", "web_server"),
                    Component("b", "web_server"), Component("q", "message_queue"),
                    Component("lonely", "database"), Component("c", "database")],
        links=[Link("u", "a"), Link("a", "b"), Link("b", "a"), Link("a", "a"),
               Link("b", "q"), Link("q", "b"), Link("q", "c"), Link("ghost", "c")],
    )
    positions = layered_layout(doc)
    assert set(positions) == {c.id for c in doc.components}
    assert positions["u"][0] == positions["lonely"][0] == 0.0  # nobody calls them
    assert positions["u"][0] < positions["a"][0] < positions["b"][0] < positions["q"][0]
    assert positions["c"][0] > positions["q"][0]
    assert len(set(positions.values())) == len(positions)


def test_a_20000_component_chain_is_laid_out_without_recursion() -> None:
    n = 20_000
    doc = Document(
        components=[Component(f"c{i}", "client" if i == 0 else "web_server") for i in range(n)],
        links=[Link(f"c{i}", f"c{i + 1}") for i in range(n - 1)],
    )
    moves = arrange_piled(doc)
    assert len(moves) == n - 1  # c0 stays at the origin
    assert [moves[f"c{i}"][1][0] for i in (1, 2, n - 1)] == [200.0, 400.0, 200.0 * (n - 1)]


def test_free_spot_never_overlaps_and_prefers_the_requested_point() -> None:
    taken = Occupancy()
    assert free_spot(taken, (100.0, 100.0)) == (100.0, 100.0)
    spots = []
    for _ in range(30):
        spot = free_spot(taken, (100.0, 100.0))
        for other in spots:
            assert (abs(other[0] - spot[0]) >= NODE_WIDTH + MIN_GAP
                    or abs(other[1] - spot[1]) >= NODE_HEIGHT + MIN_GAP)
        spots.append(spot)
        taken.add(spot)
    assert spots[0] == (100.0, 100.0)


def test_double_clicks_in_the_palette_never_stack_cards(window, qtbot) -> None:
    palette = window.palette_panel
    for type_key in ("web_server", "web_server", "database", "cache"):
        item = palette.type_item(type_key)
        palette.tree.scrollToItem(item)
        rect = palette.tree.visualItemRect(item)
        qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
    assert len(window.document.model.components) == 4
    assert _overlapping(window) == []
    # Each lands as close to the centre as it can: the first exactly there, the rest
    # within a card's pitch of it.
    center = window.view.visible_center()
    first = window.document.model.components[0].position
    assert abs(first[0] - center.x()) <= 10 and abs(first[1] - center.y()) <= 10
    for comp in window.document.model.components[1:]:
        assert abs(comp.position[0] - first[0]) <= 200 and abs(comp.position[1] - first[1]) <= 140


def test_thousands_of_piled_cards_beside_placed_ones_go_in_a_block_below() -> None:
    n = 5_000
    components = [Component("a", "client", position=(400.0, -300.0)),
                  Component("b", "web_server", position=(600.0, 200.0))]
    components += [Component(f"p{i}", "web_server") for i in range(n)]
    components += [Component(f"q{i}", "web_server", position=(600.0, 200.0)) for i in range(3)]
    doc = Document(components=components,
                   links=[Link("a", "b")] + [Link("b", f"p{i}") for i in range(n)])
    moves = arrange_piled(doc)
    # p0..p4999 sit on (0, 0) once each after p0, and q0..q2 on b's point: all but the
    # first card on each point move; a and b stay.
    assert "a" not in moves and "b" not in moves and "p0" not in moves
    assert set(moves) == {f"p{i}" for i in range(1, n)} | {"q0", "q1", "q2"}
    new = [pos for _old, pos in moves.values()]
    assert len(set(new)) == len(new)  # no two on one point
    assert min(y for _x, y in new) >= 200.0 + NODE_HEIGHT + MIN_GAP  # under the placed cards


def test_layout_ignores_links_to_unknown_components_and_empty_designs() -> None:
    assert arrange_piled(Document()) == {}
    assert arrange_piled(Document(components=[Component("a", "client")])) == {}
    doc = Document(components=[Component("a", "client"), Component("b", "database")],
                   links=[Link("a", "nowhere"), Link("nowhere", "b"), Link("b", "b")])
    new = {cid: pos for cid, (_old, pos) in arrange_piled(doc).items()}
    # Nobody (that exists) calls b: both start the first column, the client on top.
    assert new["a"][0] == new["b"][0] == 0.0
    assert new["b"][1] - new["a"][1] >= NODE_HEIGHT + MIN_GAP
