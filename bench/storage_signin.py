"""Sign-in timing: a wrong password for a real account vs an unknown email (cost-12 bcrypt).

The lockout and the messages are the same for both (tested in
tests/unit/test_storage_hostile.py); this measures that the *time* is the same
too, so timing does not tell which emails have accounts. Rounds alternate the
two cases so machine noise hits both alike; medians and their ratio are printed.
Also: 12 sign-ins racing in threads, and how many bcrypt checks they cost.

    .venv/bin/python bench/storage_signin.py [rounds]
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import bcrypt

from app.storage import ManualClock, Store, errors

REAL = "ada@example.com"
UNKNOWN = "nobody@example.com"
PASSWORD = "analytical engine notes"


def _failed_sign_in(store: Store, clock: ManualClock, email: str) -> float:
    clock.advance(minutes=16)  # every attempt starts a fresh run of failures: no lockout
    started = time.perf_counter()
    with contextlib.suppress(errors.InvalidCredentials):
        store.accounts.login(email, "a wrong passphrase")
    return time.perf_counter() - started


def _race(store: Store, email: str) -> tuple[int, float]:
    checks = 0
    lock = threading.Lock()
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        nonlocal checks
        with lock:
            checks += 1
        return real(password, hashed)

    bcrypt.checkpw = counting
    barrier = threading.Barrier(12)

    def attempt() -> None:
        barrier.wait()
        with contextlib.suppress(errors.AuthError):
            store.accounts.login(email, "a wrong passphrase")

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bcrypt.checkpw = real
    return checks, time.perf_counter() - started


def main(rounds: int = 15) -> None:
    """Print the medians, their ratio, and the race's bcrypt count."""
    clock = ManualClock()
    with tempfile.TemporaryDirectory() as folder, \
            Store.open(Path(folder) / "bench.sqlite3", clock=clock) as store:
        store.accounts.register(email=REAL, password=PASSWORD)
        store.accounts.limiter.per_key = store.accounts.limiter.total = 10_000
        real, unknown = [], []
        for index in range(rounds):
            order = (REAL, UNKNOWN) if index % 2 == 0 else (UNKNOWN, REAL)
            for email in order:
                (real if email == REAL else unknown).append(
                    _failed_sign_in(store, clock, email))
        real_ms = statistics.median(real) * 1000
        unknown_ms = statistics.median(unknown) * 1000
        print(f"wrong password, real account : median {real_ms:7.1f} ms ({rounds} rounds)")
        print(f"unknown email                : median {unknown_ms:7.1f} ms")
        print(f"ratio unknown / real         : {unknown_ms / real_ms:.3f}")
        for email in (REAL, UNKNOWN):
            clock.advance(minutes=16)
            checks, elapsed = _race(store, email)
            print(f"12 racing sign-ins ({'real' if email == REAL else 'unknown'}): "
                  f"{checks} bcrypt checks, {elapsed:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
