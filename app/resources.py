"""Locating the files shipped with the app: templates, icons, the password blocklist, user docs.

This module is the one place that knows where they are; everything else asks
:func:`resource_path`. The repository keeps them in a top-level ``resources/``
folder, and the build maps that folder into the package (``setup.py``:
``package_dir = {"app._resources": "resources"}``), so:

* an installed copy (wheel, frozen bundle) holds them inside the package, as
  ``app/_resources/...``, found through :mod:`importlib.resources`;
* a checkout (the tests, ``make run``, the editable install ``make`` makes) has
  no ``app/_resources``: the files are still in the folder the build would map,
  next to ``pyproject.toml``. That folder is only taken when the ``app`` package
  really sits in a checkout, so an installed copy never reads one by accident.

``app._resources`` is a folder, never imported: an editable install's import
hook resolves it to *its* checkout, which is wrong for a second worktree that
shares the same environment.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib.resources import as_file, files
from pathlib import Path

#: The folder, inside the ``app`` package, that a build fills from ``resources/``.
PACKAGE_FOLDER = "_resources"
#: The repository's top-level folder that the build maps there.
CHECKOUT_FOLDER = "resources"

# Keeps an extracted copy alive for the life of the process when the package is
# not a plain folder (a zip import); empty otherwise.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


class ResourcesNotFoundError(RuntimeError):
    """The app's resources are neither in the installed package nor in a checkout."""


@functools.cache
def resources_root() -> Path:
    """The folder holding the shipped resources, as a real filesystem path.

    Raises:
        ResourcesNotFoundError: Neither layout is present (a broken install).
    """
    package = files("app")
    installed = package.joinpath(PACKAGE_FOLDER)
    if installed.is_dir():
        # A wheel unpacks to disk, where as_file hands back the folder itself; a
        # zip import is extracted once (a folder needs Python 3.12 there).
        return _extracted.enter_context(as_file(installed))
    if isinstance(package, Path):
        checkout = package.parent
        if (checkout / "pyproject.toml").is_file() and (checkout / CHECKOUT_FOLDER).is_dir():
            return checkout / CHECKOUT_FOLDER
    raise ResourcesNotFoundError(
        f"The app's resources are missing: no {PACKAGE_FOLDER}/ in the installed package "
        f"({package}) and no {CHECKOUT_FOLDER}/ beside it. Reinstall the app."
    )


def resource_path(*parts: str) -> Path:
    """Absolute path of a file or folder under ``resources/``, e.g. ``("templates",)``."""
    return resources_root().joinpath(*parts)
