"""Project documents as JSON text, and the change summary between two of them.

Storage keeps each version as the ``.sdsim`` JSON text it was given, so it
does not depend on the model classes. A caller may pass the text, a ``dict``,
or an :class:`app.model.Document` (serialized with :mod:`app.model.fileformat`
when that module is available; imported lazily).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from app.storage import errors
from app.storage.boundary import guarded
from app.storage.records import ChangeSummary

#: Documents larger than this are refused (a design is a few kB to a few MB).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

_TOO_DEEP = "The project is nested too deeply (more levels than any design has)."

#: What :func:`document_text` accepts.
DocumentInput = str | Mapping[str, Any] | object


def _fileformat() -> Any:
    """``app.model.fileformat`` if it exists, else ``None``."""
    try:
        return importlib.import_module("app.model.fileformat")
    except ImportError:
        return None


def parse(text: str) -> dict[str, Any]:
    """The JSON object in ``text``; raises :class:`errors.InvalidDocument` otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.InvalidDocument(
            f"The project is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except RecursionError as exc:
        raise errors.InvalidDocument(_TOO_DEEP) from exc
    if not isinstance(value, dict):
        raise errors.InvalidDocument("A project document must be a JSON object.")
    return value


def _check_size(text: str) -> None:
    if len(text) > MAX_DOCUMENT_BYTES:  # judged before encoding a huge text
        raise errors.InvalidDocument("The project is too large to store.")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise errors.InvalidDocument(
            "The project contains characters that cannot be stored (unpaired surrogates)."
        ) from exc
    if size > MAX_DOCUMENT_BYTES:
        raise errors.InvalidDocument("The project is too large to store.")


def document_text(document: DocumentInput) -> str:
    """The JSON text to store for ``document`` (text, dict or model ``Document``)."""
    if isinstance(document, str):
        _check_size(document)
        parse(document)
        return document
    if isinstance(document, Mapping):
        try:
            text = json.dumps(document, indent=2, ensure_ascii=False)
        except RecursionError as exc:
            raise errors.InvalidDocument(_TOO_DEEP) from exc
        except (TypeError, ValueError) as exc:
            raise errors.InvalidDocument(f"The project cannot be written as JSON: {exc}") from exc
    else:
        fileformat = _fileformat()
        from app.model import Document

        if fileformat is None or not isinstance(document, Document):
            raise errors.InvalidDocument(
                f"Expected JSON text, a dict or a Document, not {type(document).__name__}."
            )
        text = str(fileformat.dumps(document))
    _check_size(text)
    return text


def validate_with_model(text: str) -> None:
    """Check ``text`` with the model's ``.sdsim`` reader, when it exists.

    Used for files coming from outside (imports), so that a bad file is refused
    with the reader's message naming the field.
    """
    parse(text)
    fileformat = _fileformat()
    if fileformat is None:
        return
    try:
        fileformat.loads(text)
    except Exception as exc:  # the reader's own error types are not known here
        raise errors.InvalidDocument(f"This is not a valid .sdsim project: {exc}") from exc


def sha256_of(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text (stored with each version to spot identical saves)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _components(doc: Mapping[str, Any]) -> dict[str, Any]:
    items = doc.get("components")
    if not isinstance(items, list):
        return {}
    return {
        str(item["id"]): item for item in items if isinstance(item, dict) and "id" in item
    }


def _links(doc: Mapping[str, Any]) -> Counter[str]:
    items = doc.get("links")
    if not isinstance(items, list):
        return Counter()
    return Counter(json.dumps(item, sort_keys=True) for item in items)


@guarded
def summarize_changes(
    old: str | Mapping[str, Any], new: str | Mapping[str, Any]
) -> ChangeSummary:
    """Components added, removed and changed (by ``id``) from ``old`` to ``new``."""
    before = parse(old) if isinstance(old, str) else old
    after = parse(new) if isinstance(new, str) else new
    old_parts, new_parts = _components(before), _components(after)
    old_links, new_links = _links(before), _links(after)
    summary = ChangeSummary(
        added=tuple(cid for cid in new_parts if cid not in old_parts),
        removed=tuple(cid for cid in old_parts if cid not in new_parts),
        changed=tuple(
            cid for cid in new_parts if cid in old_parts and new_parts[cid] != old_parts[cid]
        ),
        links_added=sum((new_links - old_links).values()),
        links_removed=sum((old_links - new_links).values()),
    )
    # Anything else that differs: other keys, and components/links the
    # comparison above could not see (entries without an id, reordering).
    other = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    # A version saved by an older release is upgraded on reading: the format
    # version moving on is not a change the user made.
    other.discard("version")
    if summary.added or summary.removed or summary.changed:
        other.discard("components")
    if summary.links_added or summary.links_removed:
        other.discard("links")
    return replace(summary, other=tuple(sorted(other)))


def blank_document(name: str) -> str:
    """The JSON text of an empty design called ``name``."""
    from app.model.fileformat import FORMAT_VERSION

    return json.dumps(
        {
            "format": "sdsim",
            "version": FORMAT_VERSION,
            "name": name,
            "components": [],
            "links": [],
            "simulation": {"duration_s": 60, "warmup_s": 5, "seed": 42},
        },
        indent=2,
        ensure_ascii=False,
    )
