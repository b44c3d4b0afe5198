"""A process killed with SIGKILL in the middle of a save loop loses nothing it committed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.storage import Store

from .storage_save_loop import EMAIL, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_during_a_save_loop_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.storage_save_loop", str(path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    committed: dict[int, int] = {}
    deadline = time.monotonic() + 60
    try:
        while len(committed) < 40:
            line = child.stdout.readline()
            assert line, f"child ended early: {child.stderr.read() if child.stderr else ''}"
            assert time.monotonic() < deadline, "the save loop is far too slow"
            if line.startswith("committed"):
                _, number, counter = line.split()
                committed[int(number)] = int(counter)
        child.send_signal(signal.SIGKILL)  # in the middle of the next save
    finally:
        if child.poll() is None:
            child.kill()
        rest, _ = child.communicate(timeout=30)
    for line in rest.splitlines():  # lines printed just before the kill
        if line.startswith("committed"):
            _, number, counter = line.split()
            committed[int(number)] = int(counter)
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Store.open(path) as store:
        session = store.accounts.login(EMAIL, PASSWORD)
        [project] = store.projects.list(session)
        versions = {v.number: v for v in store.projects.versions(session, project.id)}
        for number, counter in committed.items():
            assert number in versions, f"version {number} was reported committed but is lost"
            document = json.loads(store.projects.get(session, project.id, number).document)
            assert document["counter"] == counter
        assert max(versions) >= max(committed)
        # The autosave it left behind is offered as recovery at the next start.
        [entry] = store.recovery.pending(session)
        assert entry.project_id == project.id
        assert json.loads(entry.document)["counter"] >= max(committed.values()) - 1
