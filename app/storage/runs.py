"""Runs kept with a project: what ran, with which seed, and every replication's results.

A kept run holds the ``.sdsim`` text that ran (so it can be compared after
the project was edited), its settings as JSON (the variant, the overrides,
the replications, duration and warm-up), the base seed, the app version, and
the results: each replication's summary and per-window headline series. The
results are one zlib-compressed JSON blob; a blob larger than
:data:`MAX_RESULTS_BYTES` compressed (or :data:`MAX_RESULTS_JSON_BYTES` as
JSON) is refused with a :class:`errors.ValidationError`, and one that cannot
be read back (damaged, or edited by hand) gives one :class:`errors.DatabaseError`
naming the run, never a traceback.

Every call takes the caller's :class:`~app.storage.records.UserSession` and
checks, in the same transaction, that the project is the user's.
"""

from __future__ import annotations

import builtins
import json
import logging
import math
import uuid
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage import errors, models
from app.storage.boundary import guard_public_methods
from app.storage.clock import Clock
from app.storage.db import Database
from app.storage.documents import DocumentInput, document_text
from app.storage.projects import owned_project
from app.storage.records import RunInfo, RunReplication, StoredRun, UserSession
from app.storage.text import clean_line

log = logging.getLogger(__name__)

#: The longest label (characters), as a project name.
MAX_LABEL_LENGTH: Final = 200
#: The largest settings object, as JSON (bytes): overrides and a few numbers.
MAX_SETTINGS_BYTES: Final = 64 * 1024
#: The largest results blob, compressed (bytes). Twenty replications of a
#: 20-component design over 300 windows compress to well under 2 MB.
MAX_RESULTS_BYTES: Final = 16 * 1024 * 1024
#: The largest results as JSON before compression (bytes); also the most a
#: stored blob may inflate to when read back, so a hostile blob cannot fill memory.
MAX_RESULTS_JSON_BYTES: Final = 128 * 1024 * 1024
#: The most replications in one kept run (as a sweep point).
MAX_REPLICATIONS: Final = 1_000
#: Seeds are 64-bit (the file format's range).
MAX_SEED: Final = 2**64 - 1
_MAX_VERSION_LENGTH: Final = 40
#: The blob's own format number, so a later version can read older blobs.
_RESULTS_FORMAT: Final = 1


def _clean_label(label: str) -> str:
    label = clean_line("label", label, MAX_LABEL_LENGTH)
    if not label:
        raise errors.ValidationError("label", "Give the run a label.")
    return label


def _seed(seed: object, field: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise errors.ValidationError(field, f"A seed is a whole number from 0 to {MAX_SEED}.")
    return seed


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` (strict JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:  # a NaN or an infinity somewhere: stored as null
        pass
    except TypeError as exc:
        raise errors.ValidationError(what, f"The run's {what} cannot be stored as JSON ({exc}).") \
            from exc
    return json.dumps(_finite(value), allow_nan=False, separators=(",", ":"))


def _settings_text(settings: Mapping[str, Any]) -> str:
    if not isinstance(settings, Mapping):
        raise errors.ValidationError("settings", "The run's settings must be a JSON object.")
    text = _json(dict(settings), "settings")
    if len(text.encode("utf-8")) > MAX_SETTINGS_BYTES:
        raise errors.ValidationError(
            "settings", f"The run's settings are too large (at most {MAX_SETTINGS_BYTES:,} "
                        "bytes as JSON).")
    return text


def encode_results(replications: Sequence[RunReplication]) -> bytes:
    """The compressed results blob of ``replications`` (see the module doc)."""
    if not 1 <= len(replications) <= MAX_REPLICATIONS:
        raise errors.ValidationError(
            "replications", f"A kept run has 1 to {MAX_REPLICATIONS:,} replications, "
                            f"not {len(replications):,}.")
    rows = []
    for k, rep in enumerate(replications):
        if not isinstance(rep, RunReplication):
            raise errors.ValidationError("replications",
                                         f"Replication {k} is not a RunReplication.")
        if not isinstance(rep.summary, Mapping) or not isinstance(rep.series, Mapping):
            raise errors.ValidationError(
                "replications", f"Replication {k}: the summary and series must be objects.")
        rows.append({"seed": _seed(rep.seed, "replications"), "summary": rep.summary,
                     "series": rep.series})
    raw = _json({"format": _RESULTS_FORMAT, "replications": rows}, "results").encode("utf-8")
    if len(raw) > MAX_RESULTS_JSON_BYTES:
        raise errors.ValidationError(
            "results", f"The run's results are too large to keep ({len(raw) / 2**20:,.0f} MB "
                       f"as JSON; at most {MAX_RESULTS_JSON_BYTES // 2**20} MB): keep fewer "
                       "replications or a shorter run.")
    blob = zlib.compress(raw, 6)
    if len(blob) > MAX_RESULTS_BYTES:
        raise errors.ValidationError(
            "results", f"The run's results are too large to keep ({len(blob) / 2**20:,.1f} MB "
                       f"compressed; at most {MAX_RESULTS_BYTES / 2**20:g} MB): keep fewer "
                       "replications or a shorter run.")
    return blob


def decode_results(blob: bytes, label: str = "") -> tuple[RunReplication, ...]:
    """The replications in a results blob; :class:`errors.DatabaseError` if it is damaged."""
    damaged = errors.DatabaseError(
        f"The kept run “{label}” is damaged: its results cannot be read. Delete it and "
        "run it again." if label else "A kept run is damaged: its results cannot be read.")
    try:
        if not isinstance(blob, bytes | bytearray | memoryview):
            raise damaged
        inflater = zlib.decompressobj()
        raw = inflater.decompress(bytes(blob), MAX_RESULTS_JSON_BYTES + 1)
        if len(raw) > MAX_RESULTS_JSON_BYTES or inflater.unconsumed_tail or \
                not inflater.eof:
            raise damaged
        payload = json.loads(raw.decode("utf-8"))
        rows = payload["replications"]
        if payload.get("format") != _RESULTS_FORMAT or not isinstance(rows, list):
            raise damaged
        out = []
        for row in rows:
            seed, summary, series = row["seed"], row["summary"], row["series"]
            if isinstance(seed, bool) or not isinstance(seed, int) or not \
                    isinstance(summary, dict) or not isinstance(series, dict):
                raise damaged
            out.append(RunReplication(seed, summary, series))
        return tuple(out)
    except errors.StorageError:
        raise
    except (zlib.error, ValueError, KeyError, TypeError, AttributeError, RecursionError,
            MemoryError) as exc:
        log.warning("Unreadable results of kept run %r: %s", label, type(exc).__name__)
        raise damaged from exc


def _info(row: Any) -> RunInfo:
    """A :class:`RunInfo` from a row of the listing query (or a ``models.Run``)."""
    try:
        settings = json.loads(row.settings)
        seed = int(row.seed)
        if not isinstance(settings, dict):
            raise ValueError("settings is not an object")
    except (ValueError, TypeError, RecursionError) as exc:
        raise errors.DatabaseError(
            f"The kept run “{row.label}” is damaged: its settings cannot be read. Delete it "
            "and run it again.") from exc
    return RunInfo(row.id, row.project_id, row.label, row.created_at, seed, row.app_version,
                   row.replications, settings)


@guard_public_methods
class RunService:
    """Runs kept with projects; reached as ``store.runs``."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _run(self, db: Session, session: UserSession, run_id: str, *,
             write: bool = False) -> models.Run:
        run = db.get(models.Run, run_id) if isinstance(run_id, str) else None
        if run is None:
            raise errors.NotFound("This run does not exist (it may have been deleted).")
        owned_project(db, session, run.project_id, self._clock(), write=write)
        return run

    def save(self, session: UserSession, project_id: str, label: str, design: DocumentInput,
             replications: Sequence[RunReplication], *, seed: int,
             settings: Mapping[str, Any] | None = None, app_version: str = "") -> RunInfo:
        """Keep a run with the project: ``design`` is the text that ran.

        ``replications`` are its results in replication order; ``seed`` the
        base seed they derive from; ``settings`` what ran (JSON object).
        """
        label = _clean_label(label)
        seed = _seed(seed)
        settings_text = _settings_text(settings or {})
        version = clean_line("app_version", app_version, _MAX_VERSION_LENGTH)
        text = document_text(design)
        blob = encode_results(replications)
        now = self._clock()
        with self._db.write() as db:
            _, project = owned_project(db, session, project_id, now, write=True)
            run = models.Run(id=str(uuid.uuid4()), project_id=project.id, created_at=now,
                             label=label, settings=settings_text, seed=str(seed),
                             app_version=version, design=text,
                             replications=len(replications), results=blob)
            db.add(run)
            db.flush()
            info = _info(run)
        log.info("Kept run %s (%d replications, %d bytes)", info.id, len(replications), len(blob))
        return info

    def list(self, session: UserSession, project_id: str) -> builtins.list[RunInfo]:
        """The project's kept runs, newest first (without their results)."""
        r = models.Run
        with self._db.read() as db:
            owned_project(db, session, project_id, self._clock())
            rows = db.execute(
                select(r.id, r.project_id, r.label, r.created_at, r.settings, r.seed,
                       r.app_version, r.replications)
                .where(r.project_id == project_id)
                .order_by(r.created_at.desc(), r.label)
            ).all()
            return [_info(row) for row in rows]

    def load(self, session: UserSession, run_id: str) -> StoredRun:
        """The kept run with its design and every replication's results."""
        with self._db.read() as db:
            run = self._run(db, session, run_id)
            info, design, blob = _info(run), run.design, run.results
        return StoredRun(info, design, decode_results(blob, info.label))

    def delete(self, session: UserSession, run_id: str) -> None:
        """Delete a kept run."""
        with self._db.write() as db:
            db.delete(self._run(db, session, run_id, write=True))
        log.info("Deleted kept run %s", run_id)
