"""50 desktops syncing at once against one server lose no update (bounded, loopback).

10 cloud accounts with 5 desktops each (a real SQLite store and a CloudClient
each, one thread each). Every round every desktop edits its own project and
its account's shared "Team" project, then syncs, all at once: the Team edits
race and conflict. After the rounds every desktop syncs twice more (in turn).
Run on the production backend (PostgreSQL + Redis) only; see the test.
Then, on the server: every desktop's last edit of its own project is that
project's current version, and every Team edit ever saved is a version of some
project of the account (Team itself, or a conflicted copy) — no update lost —
and every desktop of an account holds the same projects. Throughput and p99
of one sync are printed (docs/benchmarks.md, "Cloud sync").
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.cloud.client import CloudClient, SyncReport
from tests.cloud.sync.conftest import Desktop, document
from tests.support.cloud_server import Account, CloudServer, register

ACCOUNTS = 10
DESKTOPS_PER_ACCOUNT = 5
ROUNDS = 2  # the second round races Team edits on top of the first round's conflicts


def sha(tag: str) -> str:
    """The server's sha256 of the document an edit with ``tag`` saved."""
    return hashlib.sha256(document(tag).encode()).hexdigest()


def server_state(server: CloudServer, account: Account) -> tuple[dict[str, str], set[str]]:
    """The account's live projects (id -> current sha256) and every version's sha256."""
    with CloudClient(server.base_url) as client:
        client.login(account.email, account.password)
        live: dict[str, str] = {}
        versions: set[str] = set()
        page = client.changes()
        while True:
            for change in page.changes:
                if not change.deleted:
                    live[change.id] = ""
            if not page.has_more:
                break
            page = client.changes(since=page.cursor)
        for project_id in live:
            current = client.get_project(project_id)
            assert current is not None
            live[project_id] = current.project.sha256 or ""
            versions |= {v.sha256 or "" for v in client.versions(project_id)}
        return live, versions


# The production deployment (PostgreSQL + Redis) only: at 50 clients the test is the
# suite's most expensive (~50 s a backend on 2 cores). The embedded SQLite server's
# concurrency is covered by the feed-concurrency and lockout tests on both backends,
# and its 50-client figures by bench/cloud_sync_load.py (docs/benchmarks.md).
@pytest.mark.parametrize("cloud_server", ["postgres"], indirect=True)
def test_fifty_concurrent_desktops_lose_no_update(
        make_desktop: Callable[..., Desktop], cloud_server: CloudServer) -> None:
    with ThreadPoolExecutor(max_workers=ACCOUNTS) as pool:  # set-up, in parallel
        accounts = list(pool.map(lambda _: register(cloud_server), range(ACCOUNTS)))
        desktops: list[tuple[int, Desktop]] = list(pool.map(
            lambda a: (a, make_desktop(accounts[a])),
            [a for a in range(ACCOUNTS) for _ in range(DESKTOPS_PER_ACCOUNT)]))
        own = {d: d.create(f"Desk {i}", f"own-{i}-r0") for i, (_, d) in enumerate(desktops)}
        # One Team project per account, created and pushed by its first desktop...
        firsts: dict[int, Desktop] = {}
        for a, desktop in desktops:
            firsts.setdefault(a, desktop)
        team = dict(zip(firsts, pool.map(
            lambda a: firsts[a].create("Team", f"team-{a}"), firsts), strict=True))
        list(pool.map(lambda d: d.sync(), firsts.values()))
        # ...then every desktop pushes its own project and pulls, twice: all know all.
        for _ in range(2):
            list(pool.map(lambda pair: pair[1].sync(), desktops))
    for a, desktop in desktops:
        assert team[a] in desktop.live_ids()
        assert own[desktop] in desktop.live_ids()

    team_tags: dict[int, list[str]] = defaultdict(list)
    last_own: dict[Desktop, str] = {}
    latencies: list[float] = []
    reports: list[SyncReport] = []

    def one(a: int, desktop: Desktop, index: int, rnd: int) -> tuple[float, SyncReport]:
        desktop.save(own[desktop], f"own-{index}-r{rnd}")
        desktop.save(team[a], f"team-{a}-{index}-r{rnd}")
        start = time.perf_counter()
        report = desktop.sync()
        return time.perf_counter() - start, report

    requests_before = sum(d.transport.count() for _, d in desktops)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(desktops)) as pool:
        for rnd in range(1, ROUNDS + 1):
            futures = [pool.submit(one, a, d, i, rnd) for i, (a, d) in enumerate(desktops)]
            for i, (a, d) in enumerate(desktops):
                team_tags[a].append(f"team-{a}-{i}-r{rnd}")
                last_own[d] = f"own-{i}-r{rnd}"
            for future in futures:
                latency, report = future.result()
                latencies.append(latency)
                reports.append(report)
    elapsed = time.perf_counter() - started
    requests = sum(d.transport.count() for _, d in desktops) - requests_before
    settle_started = time.perf_counter()
    settle_before = sum(d.transport.count() for _, d in desktops)
    for _ in range(2):  # settle, one desktop at a time: every copy reaches every desktop
        for _, desktop in desktops:
            reports.append(desktop.sync())
    settle_elapsed = time.perf_counter() - settle_started
    settle_requests = sum(d.transport.count() for _, d in desktops) - settle_before

    assert not [e for r in reports for e in r.errors]
    conflicts = [c for r in reports for c in r.conflicts]
    assert conflicts, "the Team edits raced: some must have conflicted"
    assert all(c.copy_id is not None for c in conflicts)
    for a, account in enumerate(accounts):
        live, versions = server_state(cloud_server, account)
        mine = [d for b, d in desktops if b == a]
        for desktop in mine:  # each desktop's last edit of its own project is current
            assert live[own[desktop]] == sha(last_own[desktop])
        lost = [tag for tag in team_tags[a] if sha(tag) not in versions]
        assert not lost, f"updates lost: {lost}"
        copies = [c for c in conflicts if c.project_id == team[a]]
        assert len(live) == 1 + DESKTOPS_PER_ACCOUNT + len(copies)
        for desktop in mine:  # every desktop ends with the same projects and documents
            documents = desktop.documents()
            assert set(documents) == set(live)
            assert {k: hashlib.sha256(v.encode()).hexdigest() for k, v in documents.items()} \
                == live

    syncs = len(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"\n[{cloud_server.backend}] {syncs} concurrent syncs by {len(desktops)} desktops "
          f"in {elapsed:.2f} s: {syncs / elapsed:.1f} syncs/s, {requests / elapsed:.0f} "
          f"requests/s ({requests} requests), sync p50 {statistics.median(latencies):.3f} s, "
          f"p99 {p99:.3f} s; {len(conflicts)} conflicts, each kept as a copy; then "
          f"{2 * len(desktops)} syncs one at a time in {settle_elapsed:.2f} s "
          f"({settle_requests / settle_elapsed:.0f} requests/s)")
