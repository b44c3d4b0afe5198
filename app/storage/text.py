"""Checks for the short texts people type: names, emails, notes.

SQLite keeps a NUL byte but its functions stop at it, a lone surrogate cannot
be encoded at all, and invisible or direction-changing characters let one name
or email look like another. Each field is refused with a message naming it,
before anything is hashed or stored.
"""

from __future__ import annotations

import unicodedata

from app.storage import errors

#: Characters that reorder text (bidirectional embeddings, overrides, isolates).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
                          "\u061c")

#: The longest version note (characters): a sentence or a short paragraph.
MAX_NOTE_LENGTH = 2000


def _bad_character(text: str, *, allowed: str = "", refuse_format: bool = False) -> str | None:
    for char in text:
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in BIDI_CONTROLS:
            return char
        if refuse_format and category in ("Cf", "Co", "Cn", "Zl", "Zp"):
            return char
    return None


def _describe(char: str) -> str:
    """``"U+200B ZERO WIDTH SPACE"``, or just the code point when it has no name."""
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()


def email_characters_problem(email: str) -> str | None:
    """Why ``email`` holds a character no address should (control, invisible, format)."""
    char = _bad_character(email, refuse_format=True)
    if char is None:
        return None
    return f"The email contains an invisible or control character ({_describe(char)})."


def clean_line(field: str, value: str, limit: int) -> str:
    """``value`` with runs of white space collapsed, or :class:`errors.ValidationError`.

    Refuses control characters (NUL...), unpaired surrogates and bidirectional
    controls, and values longer than ``limit`` characters. ``field`` names the
    field in the error (``"first_name"`` reads as "first name").
    """
    label = field.replace("_", " ")
    if not isinstance(value, str):
        raise errors.ValidationError(field, f"The {label} must be text.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise errors.ValidationError(field, f"The {label} is too long (at most {limit} "
                                            "characters).")
    char = _bad_character(value)
    if char is not None:
        raise errors.ValidationError(
            field, f"The {label} contains a control or invisible character ({_describe(char)}).")
    return value


def clean_note(note: str) -> str:
    """A version note: trimmed, at most :data:`MAX_NOTE_LENGTH` characters, line breaks allowed."""
    if not isinstance(note, str):
        raise errors.ValidationError("note", "The note must be text.")
    note = note.replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise errors.ValidationError(
            "note", f"The note is too long: {len(note):,} characters (at most "
                    f"{MAX_NOTE_LENGTH:,}).")
    char = _bad_character(note, allowed="\n\t")
    if char is not None:
        raise errors.ValidationError(
            "note", f"The note contains a control or invisible character ({_describe(char)}).")
    return note
