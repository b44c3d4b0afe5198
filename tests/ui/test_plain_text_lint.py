"""A lint of app/ui: text reaches labels, tooltips and message boxes only as plain text.

Qt renders a string as HTML when it looks like HTML (``Qt.mightBeRichText``),
so a design's text must not reach a widget that guesses. ``app.ui.plain_text``
makes the widgets that can show such text; this scan fails on any call that
goes around it, so a new dialog cannot reintroduce the hole.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "app" / "ui"
HELPER_MODULE = UI / "plain_text.py"
MESSAGE_BOX_STATICS = {"warning", "question", "information", "critical", "about"}
INPUT_DIALOG_STATICS = {"getText", "getItem", "getInt", "getDouble", "getMultiLineText"}
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!]")


def _name(node: ast.AST) -> str:
    """``QLabel`` for ``QLabel`` and ``QtWidgets.QLabel``; ``""`` otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _safe_tooltip(node: ast.AST) -> bool:
    """A string literal, ``plain_tooltip(...)``, or ``a or b`` / ``a if c else b`` of those."""
    if _is_literal(node):
        return True
    if isinstance(node, ast.Call) and _name(node.func) == "plain_tooltip":
        return True
    if isinstance(node, ast.BoolOp):
        return all(_safe_tooltip(value) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _safe_tooltip(node.body) and _safe_tooltip(node.orelse)
    return False


def _problems_in(path: Path, root: Path = UI) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(root.parent)
    found: list[str] = []

    def report(node: ast.AST, text: str) -> None:
        found.append(f"{where}:{getattr(node, 'lineno', '?')}: {text}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if any(_name(base) in ("QLabel", "QMessageBox") for base in node.bases):
                report(node, "subclass PlainLabel/MarkupLabel instead of QLabel/QMessageBox")
        elif isinstance(node, ast.JoinedStr):
            literal = "".join(v.value for v in node.values
                              if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if MARKUP.search(literal):
                report(node, "markup built with an f-string: use plain_text.markup()")
        elif isinstance(node, ast.Call):
            func = node.func
            callee = _name(func)
            owner = _name(func.value) if isinstance(func, ast.Attribute) else ""
            if callee == "QLabel":
                report(node, "QLabel(): use PlainLabel or MarkupLabel")
            elif callee == "QMessageBox":
                report(node, "QMessageBox(): use plain_text.message_box()")
            elif owner == "QMessageBox" and callee in MESSAGE_BOX_STATICS:
                report(node, f"QMessageBox.{callee}(): use plain_text.warn/ask/about")
            elif callee in ("setHtml", "insertHtml"):
                report(node, f"{callee}(): file text must not become HTML")
            elif callee in ("setToolTip", "setWhatsThis") and node.args and not _safe_tooltip(
                    node.args[-1]):
                report(node, f"{callee}() without plain_tooltip()")
            elif owner == "QToolTip" and callee == "showText" and len(node.args) > 1 and not (
                    _safe_tooltip(node.args[1])):
                report(node, "QToolTip.showText() without plain_tooltip()")
            elif owner == "QInputDialog" and callee in INPUT_DIALOG_STATICS:
                if not all(_is_literal(arg) for arg in node.args[1:3]):
                    report(node, f"QInputDialog.{callee}(): title and label must be literals")
            elif callee == "addRow" and node.args and isinstance(
                    node.args[0], (ast.JoinedStr, ast.BinOp)):
                report(node, "addRow() with a built string: pass a PlainLabel")
            elif callee == "plot":
                for keyword in node.keywords:
                    if keyword.arg == "name" and not _is_literal(keyword.value):
                        report(node, "pyqtgraph renders curve names as HTML: literals only")
    return found


def test_no_widget_in_app_ui_renders_text_without_the_plain_text_helpers() -> None:
    problems = [
        problem
        for path in sorted(UI.rglob("*.py")) if path != HELPER_MODULE
        for problem in _problems_in(path)
    ]
    assert problems == []


def test_the_lint_catches_each_kind_of_bypass(tmp_path: Path) -> None:
    # A lint that cannot fail is no test: each line below must be reported.
    bad = tmp_path / "ui" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        "label = QLabel(name)\n"
        "box = QMessageBox(parent)\n"
        "QMessageBox.warning(parent, 'Oops', text)\n"
        "item.setToolTip(0, component.id)\n"
        "widget.setToolTip(problem or spec.tip)\n"
        "title.setText(f'<b>{name}</b>')\n"
        "class Caption(QLabel):\n    pass\n"
        "edit.setHtml(text)\n"
        "QInputDialog.getText(self, 'Rename', f'New name for {name}:')\n"
        "form.addRow(f'{name}:', field)\n"
        "plot.plot(pen=pen, name=component_name)\n"
        "QToolTip.showText(pos, message)\n"
        "button.setWhatsThis(description)\n",
        encoding="utf-8")
    problems = _problems_in(bad, bad.parent)
    assert sorted(int(p.split(":")[1]) for p in problems) == (
        [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14])
    good = tmp_path / "ui" / "good.py"
    good.write_text(
        "label = PlainLabel(name)\n"
        "widget.setToolTip('Seed of the run')\n"
        "widget.setToolTip(plain_tooltip(problem) or 'Seed of the run')\n"
        "title.set_markup('<b>{name}</b>', name=name)\n"
        "note = f'{count} of {total}'\n", encoding="utf-8")
    assert _problems_in(good, good.parent) == []
