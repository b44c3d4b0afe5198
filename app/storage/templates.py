"""Templates: the ``.sdsim`` files in ``resources/templates``, available to every user."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from app import paths
from app.resources import resource_path
from app.storage import errors
from app.storage.boundary import guard_public_methods
from app.storage.files import SDSIM_SUFFIX, read_text
from app.storage.records import TemplateInfo

log = logging.getLogger(__name__)


@guard_public_methods
class TemplateService:
    """Lists and reads templates; reached as ``store.templates``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or resource_path("templates")

    def list(self) -> list[TemplateInfo]:
        """Every readable template, by name (an empty list if there are none)."""
        if not self.directory.is_dir():
            return []
        found: list[TemplateInfo] = []
        for path in sorted(self.directory.glob(f"*{SDSIM_SUFFIX}")):
            try:
                data = json.loads(read_text(path))
            except (errors.StorageError, json.JSONDecodeError) as exc:
                log.warning("Skipping unreadable template %s: %s", path.name, exc)
                continue
            if not isinstance(data, dict):
                continue
            default = path.stem.replace("_", " ").replace("-", " ").capitalize()
            found.append(
                TemplateInfo(
                    key=path.stem,
                    name=str(data.get("name") or default),
                    description=str(data.get("description") or ""),
                    path=path,
                )
            )
        return sorted(found, key=lambda info: info.name.casefold())

    def load(self, key: str) -> str:
        """The JSON text of the template ``key`` (its file name without ``.sdsim``)."""
        try:
            path = paths.child_path(self.directory, key, suffix=SDSIM_SUFFIX)
        except paths.UnsafeName:
            path = None
        if path is None or not path.is_file():
            raise errors.NotFound(f"There is no template called {str(key)[:80]!r}.")
        return read_text(path)
