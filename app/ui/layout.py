"""Where components go when the file does not say: a layered layout and free spots.

A file may leave out ``position`` (it defaults to ``[0, 0]``), so a design
written by hand or by a script opens as a pile of cards on one point. When
a design is opened, :func:`arrange_piled` finds the components that sit
exactly on an earlier component's point and gives them places:

* every component piled on one point (a file with no positions at all):
  a layered layout by the call graph, clients on the left, then each
  component one column right of its deepest caller;
* only some piled: those are laid out the same way, as a block under the
  cards that have places.

:func:`free_spot` is where a palette double-click puts a new component: the
nearest place around the canvas centre where its card overlaps no other.

Pure Python (no Qt): sizes are the canvas cards', in scene pixels.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator

from app.model.catalog import COMPONENT_TYPES
from app.model.document import Document

Position = tuple[float, float]

# Cards are sized for designs laid out on a 200 px grid (the templates'): 50 px
# stay free between neighbours for the arrow and its label.
NODE_WIDTH = 150.0
NODE_HEIGHT = 90.0
#: Column and row pitch of the layered layout and of the free-spot search.
COLUMN_STEP = 200.0
ROW_STEP = 140.0
#: Two cards closer than this (edge to edge) count as overlapping.
MIN_GAP = 20.0
#: How many rings of candidate spots :func:`free_spot` tries around its starting point.
MAX_RINGS = 60


def is_client(type_key: str) -> bool:
    """Whether components of this type generate traffic (drawn leftmost)."""
    ctype = COMPONENT_TYPES.get(type_key)
    return bool(ctype is not None and ctype.is_client)


def piled_components(model: Document) -> list[str]:
    """Ids of components sitting exactly on the point of an earlier component.

    When every component shares one point (no positions in the file), all of
    them are returned, the first one too: the whole design needs a layout.
    """
    seen: set[tuple[float, float]] = set()
    piled = []
    for comp in model.components:
        point = (float(comp.position[0]), float(comp.position[1]))
        if point in seen:
            piled.append(comp.id)
        seen.add(point)
    if piled and len(seen) == 1:
        return [c.id for c in model.components]
    return piled


def layered_layout(model: Document) -> dict[str, Position]:
    """A position for every component: columns by call depth, rows by caller order.

    Clients (and other components nobody calls) form the first column; every
    other component sits one column right of its deepest caller, with calls
    that close a cycle left out. Runs in time linear in components plus links
    (no recursion: a 20,000-component chain is fine).
    """
    ids = [c.id for c in model.components]
    order_of = {cid: i for i, cid in enumerate(ids)}
    succ: dict[str, list[str]] = {cid: [] for cid in ids}
    has_caller: set[str] = set()
    for link in model.links:
        if link.source in succ and link.target in succ and link.source != link.target:
            succ[link.source].append(link.target)
            has_caller.add(link.target)
    client_ids = {c.id for c in model.components if is_client(c.type)}
    clients = [cid for cid in ids if cid in client_ids]
    roots = clients + [cid for cid in ids if cid not in has_caller] + ids
    # Depth-first, iteratively: calls back to a component still being visited close
    # a cycle and are left out; what remains is acyclic and its reverse post-order
    # is a topological order.
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    dag: dict[str, list[str]] = {cid: [] for cid in ids}
    post: list[str] = []
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(succ[root]))]
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                state[node] = 2
                post.append(node)
                stack.pop()
                continue
            if state.get(target) == 1:
                continue  # closes a cycle
            dag[node].append(target)
            if target not in state:
                state[target] = 1
                stack.append((target, iter(succ[target])))
    column = dict.fromkeys(ids, 0)
    callers: dict[str, list[str]] = defaultdict(list)
    for node in reversed(post):
        for target in dag[node]:
            column[target] = max(column[target], column[node] + 1)
            callers[target].append(node)
    by_column: dict[int, list[str]] = defaultdict(list)
    for cid in ids:
        by_column[column[cid]].append(cid)
    positions: dict[str, Position] = {}
    for col in sorted(by_column):
        members = by_column[col]
        if col == 0:
            members.sort(key=lambda cid: (cid not in client_ids, order_of[cid]))
        else:
            # Next to their callers: fewer crossing arrows.
            def barycentre(cid: str) -> tuple[float, int]:
                ys = [positions[c][1] for c in callers[cid] if c in positions]
                return (sum(ys) / len(ys) if ys else 0.0, order_of[cid])

            members.sort(key=barycentre)
        middle = (len(members) - 1) / 2
        for row, cid in enumerate(members):
            y = round((row - middle) * ROW_STEP / 20) * 20
            positions[cid] = (col * COLUMN_STEP, float(y))
    return positions


class Occupancy:
    """The cards already on the canvas, bucketed so that overlap tests stay cheap."""

    def __init__(self, positions: Iterable[Position] = ()) -> None:
        self._cells: dict[tuple[int, int], list[Position]] = defaultdict(list)
        for pos in positions:
            self.add(pos)

    @staticmethod
    def _cell(pos: Position) -> tuple[int, int]:
        return (math.floor(pos[0] / COLUMN_STEP), math.floor(pos[1] / ROW_STEP))

    def add(self, pos: Position) -> None:
        """Mark a card centred on ``pos`` as taken."""
        self._cells[self._cell(pos)].append(pos)

    def is_free(self, pos: Position) -> bool:
        """Whether a card centred on ``pos`` keeps :data:`MIN_GAP` from every card."""
        cx, cy = self._cell(pos)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in self._cells.get((cx + dx, cy + dy), ()):
                    if (abs(other[0] - pos[0]) < NODE_WIDTH + MIN_GAP
                            and abs(other[1] - pos[1]) < NODE_HEIGHT + MIN_GAP):
                        return False
        return True


def _candidates(near: Position) -> Iterator[Position]:
    """Spots around ``near`` on the layout pitch, nearest first (right, then below, first)."""
    yield near
    for ring in range(1, MAX_RINGS + 1):
        spots = [(i, j) for i in range(-ring, ring + 1) for j in range(-ring, ring + 1)
                 if max(abs(i), abs(j)) == ring]
        spots.sort(key=lambda s: (math.hypot(s[0] * COLUMN_STEP, s[1] * ROW_STEP),
                                  -s[0], -s[1]))
        for i, j in spots:
            yield (near[0] + i * COLUMN_STEP, near[1] + j * ROW_STEP)


def free_spot(occupancy: Occupancy, near: Position) -> Position:
    """The nearest spot to ``near`` where a new card overlaps no card of ``occupancy``.

    Tries :data:`MAX_RINGS` rings; a canvas that full gets ``near`` itself.
    """
    for pos in _candidates(near):
        if occupancy.is_free(pos):
            return pos
    return near


def arrange_piled(model: Document) -> dict[str, tuple[Position, Position]]:
    """New places for piled components: ``{id: (old position, new position)}``.

    Empty when no card sits on another's point (the usual case: nothing moves).
    """
    piled = piled_components(model)
    if not piled:
        return {}
    old = {c.id: (float(c.position[0]), float(c.position[1])) for c in model.components}
    new = layered_layout(model)
    if len(piled) < len(model.components):
        # Some cards have places: the piled ones keep their layered arrangement, as a
        # block under the placed cards (linear, and nothing can overlap; a free-spot
        # search per card was quadratic for a file with thousands of piled cards).
        moving = set(piled)
        placed = [pos for cid, pos in old.items() if cid not in moving]
        left = min(x for x, _y in placed)
        top = max(y for _x, y in placed) + ROW_STEP
        block_left = min(new[cid][0] for cid in piled)
        block_top = min(new[cid][1] for cid in piled)
        new = {cid: (new[cid][0] - block_left + left, new[cid][1] - block_top + top)
               for cid in piled}
    return {cid: (old[cid], new[cid]) for cid in piled if new[cid] != old[cid]}
