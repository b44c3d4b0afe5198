"""50 clients syncing against one real server: no lost update, throughput and p99.

Each client (a thread with its own HTTP connection and its own client
address) signs up, creates its own project and updates it ``OWN_UPDATES``
times with ``If-Match``; it also signs in to one *team* account (a session
of its own, as a second machine of that user would) and gets
``SHARED_UPDATES`` edits into the one team project every client writes to,
the way the sync client does it: ``PUT`` with ``If-Match: <last known>``,
and on 412 retry on the ``current_version_id`` the answer names.

At the end, checked against the server: every own project has exactly
1 + ``OWN_UPDATES`` versions ending at the client's last one; the team
project's history is one unbranched chain of 1 + clients x ``SHARED_UPDATES``
versions holding every version a client was told was stored. Printed (and
written to ``bench/results/cloud_sync_load.json``): requests per second over
the whole run and the latency percentiles of every request (412s included).

    .venv/bin/python bench/cloud_sync_load.py [sqlite|postgres ...] [--clients N]
        [--workers N]

PostgreSQL runs use 127.0.0.1:5432 (user postgres) in a database of their
own, dropped afterwards, and Redis at 127.0.0.1:6379 under a prefix of their
own. Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages come first

from tests.support.cloud_server import (  # noqa: E402
    PASSWORD,
    backend_database,
    launch_server,
    stop_process,
)

RESULTS = ROOT / "bench" / "results" / "cloud_sync_load.json"
OWN_UPDATES = 20
SHARED_UPDATES = 2
DOCUMENT_BYTES = 8_000
PROJECTS = "/api/v1/projects"


@contextlib.contextmanager
def running_server(backend: str, workers: int) -> Iterator[tuple[str, int]]:
    """The test suite's throwaway server, with limits that never bind; its URL and pid."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with backend_database(backend, tmp, tag="bench") as db_env:
            limits = ("api_ip=1000000/60,login_ip=100000/60,login_account=100000/60,"
                      "register_ip=100000/3600,refresh_ip=100000/60")
            process, base, _log = launch_server(tmp, {**db_env, "SDSIM_RATE_LIMITS": limits},
                                                workers=workers)
            try:
                yield base, process.pid
            finally:
                stop_process(process)


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending, seen = 0.0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
    return total


@dataclass
class Timed:
    """Latencies of every request one client made, and what it counted."""

    latencies: list[float] = field(default_factory=list)
    conflicts: int = 0

    def call(self, client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One timed request."""
        started = time.perf_counter()
        answer = client.request(method, url, **kwargs)
        self.latencies.append(time.perf_counter() - started)
        return answer


@dataclass
class ClientResult:
    """What one client believes is on the server."""

    own_project: str = ""
    own_head: str = ""
    auth: dict[str, str] = field(default_factory=dict)
    shared_versions: list[str] = field(default_factory=list)
    timed: Timed = field(default_factory=Timed)
    error: str = ""


def _body(version_id: str, label: str) -> dict[str, str]:
    return {"name": label, "version_id": version_id,
            "document": json.dumps({"label": label, "pad": "x" * DOCUMENT_BYTES})}


def _client(base: str, index: int, team_token: str, team_project: str, team_head: str,
            start: threading.Barrier, result: ClientResult) -> None:
    timed = result.timed
    address = f"10.77.{index // 250}.{index % 250 + 1}"
    try:
        with httpx.Client(base_url=base, timeout=120,
                          headers={"X-Forwarded-For": address}) as client:
            email = f"load-{index}-{uuid.uuid4().hex[:8]}@example.com"
            signed = client.post("/api/v1/auth/register", json={"email": email,
                                                                "password": PASSWORD})
            assert signed.status_code == 201, signed.text
            mine = {"Authorization": f"Bearer {signed.json()['access_token']}"}
            result.auth = mine
            team = {"Authorization": f"Bearer {team_token}"}
            start.wait()
            project_id, head = str(uuid.uuid4()), str(uuid.uuid4())
            answer = timed.call(client, "PUT", f"{PROJECTS}/{project_id}",
                                headers={**mine, "If-None-Match": "*"},
                                json=_body(head, f"own {index}"))
            assert answer.status_code == 201, answer.text
            shared_left, known = SHARED_UPDATES, team_head
            for step in range(OWN_UPDATES):
                version_id = str(uuid.uuid4())
                answer = timed.call(client, "PUT", f"{PROJECTS}/{project_id}",
                                    headers={**mine, "If-Match": f'"{head}"'},
                                    json=_body(version_id, f"own {index}.{step}"))
                assert answer.status_code == 200, answer.text
                head = version_id
                # Spread the team edits over the run rather than all at the start.
                if shared_left and step % (OWN_UPDATES // SHARED_UPDATES) == 0:
                    known = _edit_shared(client, timed, team, team_project, known, index,
                                         result)
                    shared_left -= 1
            while shared_left:
                known = _edit_shared(client, timed, team, team_project, known, index, result)
                shared_left -= 1
            result.own_project, result.own_head = project_id, head
    except BaseException as exc:  # reported by the main thread
        result.error = repr(exc)


def _edit_shared(client: httpx.Client, timed: Timed, team: dict[str, str], project: str,
                 known: str, index: int, result: ClientResult) -> str:
    """One edit of the team project, retried on 412 from the version the server names."""
    version_id = str(uuid.uuid4())
    while True:
        answer = timed.call(client, "PUT", f"{PROJECTS}/{project}",
                            headers={**team, "If-Match": f'"{known}"'},
                            json=_body(version_id, f"team by {index}"))
        if answer.status_code == 200:
            result.shared_versions.append(version_id)
            return version_id
        assert answer.status_code == 412, answer.text
        timed.conflicts += 1
        known = answer.json()["details"]["current_version_id"]


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(backend: str, clients: int, workers: int) -> dict[str, Any]:
    """One load run; raises AssertionError when an update was lost."""
    with running_server(backend, workers) as (base, pid), httpx.Client(
            base_url=base, timeout=120, headers={"X-Forwarded-For": "10.78.0.1"}) as admin:
        team_email = f"team-{uuid.uuid4().hex[:8]}@example.com"
        owner = admin.post("/api/v1/auth/register", json={"email": team_email,
                                                          "password": PASSWORD})
        assert owner.status_code == 201, owner.text
        team_auth = {"Authorization": f"Bearer {owner.json()['access_token']}"}
        team_project, team_head = str(uuid.uuid4()), str(uuid.uuid4())
        created = admin.put(f"{PROJECTS}/{team_project}", headers={**team_auth,
                                                                   "If-None-Match": "*"},
                            json=_body(team_head, "team"))
        assert created.status_code == 201, created.text
        tokens = []
        for i in range(clients):  # one session of the team account per client machine
            login = admin.post("/api/v1/auth/login", json={"email": team_email,
                                                           "password": PASSWORD},
                               headers={"X-Forwarded-For": f"10.79.{i // 250}.{i % 250 + 1}"})
            assert login.status_code == 200, login.text
            tokens.append(login.json()["access_token"])
        results = [ClientResult() for _ in range(clients)]
        start = threading.Barrier(clients + 1)
        threads = [threading.Thread(target=_client, args=(
            base, i, tokens[i], team_project, team_head, start, results[i]))
            for i in range(clients)]
        for thread in threads:
            thread.start()
        start.wait()
        began, cpu_began = time.perf_counter(), server_cpu_s(pid)
        for thread in threads:
            thread.join()
        wall, server_cpu = time.perf_counter() - began, server_cpu_s(pid) - cpu_began
        errors = [r.error for r in results if r.error]
        assert not errors, errors[:3]

        # No lost update: what the server holds is exactly what the clients were told.
        lost = _check_own(admin, results)
        # Isolation under load: the team account sees none of the clients' own projects.
        assert admin.get(f"{PROJECTS}/{results[0].own_project}",
                         headers=team_auth).status_code == 404
        history = admin.get(f"{PROJECTS}/{team_project}/versions", headers=team_auth).json()
        chain = history["versions"]
        expected_shared = {v for r in results for v in r.shared_versions}
        assert len(chain) == 1 + clients * SHARED_UPDATES, len(chain)
        assert {v["version_id"] for v in chain[1:]} == expected_shared
        for parent, child in itertools.pairwise(chain):
            assert child["parent_version_id"] == parent["version_id"], "the chain forked"
        current = admin.get(f"{PROJECTS}/{team_project}", headers=team_auth)
        assert current.headers["etag"] == f'"{chain[-1]["version_id"]}"'
        latencies = sorted(x for r in results for x in r.timed.latencies)
        requests = len(latencies)
        return {
            "backend": backend, "workers": workers, "clients": clients,
            "own_updates_per_client": OWN_UPDATES, "shared_updates_per_client": SHARED_UPDATES,
            "document_bytes": DOCUMENT_BYTES, "requests": requests,
            "conflicts_412": sum(r.timed.conflicts for r in results),
            "wall_s": round(wall, 2), "requests_per_s": round(requests / wall, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p95_ms": round(1000 * _percentile(latencies, 0.95), 1),
            "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
            "max_ms": round(1000 * latencies[-1], 1),
            # Load-independent: what a request costs the server (all its processes).
            "server_cpu_ms_per_request": round(1000 * server_cpu / requests, 2),
            "versions_checked": clients * (1 + OWN_UPDATES) + len(chain), "lost_updates": lost,
            "load_average_1m": round(os.getloadavg()[0], 1),
        }


def _check_own(admin: httpx.Client, results: list[ClientResult]) -> int:
    """Versions missing from the own projects (each must be one chain ending at the head)."""
    lost = 0
    for result in results:
        answer = admin.get(f"{PROJECTS}/{result.own_project}/versions", headers=result.auth)
        assert answer.status_code == 200, answer.text
        chain = answer.json()["versions"]
        for parent, child in itertools.pairwise(chain):
            assert child["parent_version_id"] == parent["version_id"], "a chain forked"
        assert chain[-1]["version_id"] == result.own_head
        lost += 1 + OWN_UPDATES - len(chain)
    assert lost == 0, f"{lost} own updates lost"
    return lost


def main(argv: list[str] | None = None) -> int:
    """Run the load for each backend asked for; print and store the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backends", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    runs = []
    for backend in args.backends:
        numbers = run(backend, args.clients, args.workers)
        runs.append(numbers)
        print(json.dumps(numbers))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(previous + runs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
