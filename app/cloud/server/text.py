"""Text every database column can store: the one check for bodies, paths and queries."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def storable_text(value: str) -> str:
    """Refuse what no database column can hold: NUL (PostgreSQL) and lone surrogates.

    SQLite stores both, so without this check the same request is a 400 on the
    embedded server and a 500 on PostgreSQL.
    """
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


#: A ``str`` that passed :func:`storable_text` (path and query parameters).
Text = Annotated[str, AfterValidator(storable_text)]
