"""The one part of the build that pyproject.toml cannot say: where the resources go.

The repository keeps ``resources/`` (templates, icons, the password blocklist, user
docs) at its top, as the design card lays it out; an installed copy needs them
inside its package. ``package_dir`` maps the package ``app._resources`` onto that
folder, so a wheel holds them as ``app/_resources/...`` and :mod:`app.resources`
finds them with :mod:`importlib.resources`.

pyproject.toml's ``[tool.setuptools]`` takes either a ``packages.find`` table or
a fixed list, not both, and a list would have to name every new subpackage of
``app`` by hand. Everything else (metadata, package data patterns) stays in
pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

#: The folder the build maps into the package, and the package it becomes.
RESOURCES_DIR = "resources"
RESOURCES_PACKAGE = "app._resources"

# Namespace discovery, as pyproject's packages.find did: folders without an
# __init__.py (app/storage/migrations/versions) are packages too. Each folder under
# resources/ is named as a package so that setuptools copies its files as package
# data of a package it knows, rather than warning about data in an unlisted one.
_APP = find_namespace_packages(include=["app", "app.*"])
_RESOURCES = [RESOURCES_PACKAGE] + [
    f"{RESOURCES_PACKAGE}.{name}" for name in find_namespace_packages(where=RESOURCES_DIR)
]

setup(
    packages=_APP + _RESOURCES,
    package_dir={RESOURCES_PACKAGE: RESOURCES_DIR},
    # Which files of it ship is said in pyproject.toml's [tool.setuptools.package-data]
    # (it replaces a package_data given here).
)
