"""The server's pure parts: settings, the secret key, client IPs, in-process limits, CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.cloud.server.deps import resolve_client_ip
from app.cloud.server.ratelimit import MemoryRateLimiter
from app.cloud.server.settings import (
    RateLimit,
    ServerSettings,
    SettingsError,
    load_secret_key,
    parse_proxies,
    parse_rate_limits,
)


def test_a_generated_secret_key_is_private_and_kept(tmp_path: Path) -> None:
    key = load_secret_key(None, tmp_path / "data")
    path = tmp_path / "data" / "secret.key"
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key(None, tmp_path / "data") == key
    assert load_secret_key("k" * 32, tmp_path / "elsewhere") == b"k" * 32


def test_a_short_secret_key_is_refused_with_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_secret_key("short", tmp_path)
    env = {**os.environ, "SDSIM_SECRET_KEY": "too-short"}
    done = subprocess.run([sys.executable, "-m", "app.cloud.server", "--data-dir",
                           str(tmp_path)], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("sdsim-server: SDSIM_SECRET_KEY is 9 bytes; use at least 32")


def test_settings_from_env(tmp_path: Path) -> None:
    settings = ServerSettings.from_env(tmp_path, {
        "SDSIM_SECRET_KEY": "s" * 40, "SDSIM_BCRYPT_COST": "5",
        "SDSIM_RATE_LIMITS": "login_ip=3/10", "SDSIM_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'server.db'}"
    assert settings.bcrypt_cost == 5
    assert settings.rate_limits["login_ip"] == RateLimit(3, 10)
    assert settings.rate_limits["login_account"] == RateLimit(10, 60)  # a default
    assert len(settings.trusted_proxies) == 2
    assert settings.access_ttl_s == 900
    assert "s" * 40 not in repr(settings)
    production = ServerSettings.from_env(tmp_path, {"SDSIM_SECRET_KEY": "s" * 40})
    assert production.bcrypt_cost == 12
    for bad in ({"SDSIM_BCRYPT_COST": "3"}, {"SDSIM_BCRYPT_COST": "x"},
                {"SDSIM_RATE_LIMITS": "nope=1/2"}, {"SDSIM_RATE_LIMITS": "login_ip=a"},
                {"SDSIM_RATE_LIMITS": "login_ip=0/5"}, {"SDSIM_TRUSTED_PROXIES": "host"}):
        with pytest.raises(SettingsError):
            ServerSettings.from_env(tmp_path, {"SDSIM_SECRET_KEY": "s" * 40, **bad})


def test_the_client_ip_is_the_rightmost_untrusted_hop() -> None:
    proxies = parse_proxies("127.0.0.1, 10.0.0.0/8")
    assert resolve_client_ip("203.0.113.5", "1.1.1.1", proxies) == "203.0.113.5"
    assert resolve_client_ip("127.0.0.1", None, proxies) == "127.0.0.1"
    assert resolve_client_ip("127.0.0.1", "1.1.1.1", proxies) == "1.1.1.1"
    assert resolve_client_ip("127.0.0.1", "6.6.6.6, 2.2.2.2, 10.1.1.1", proxies) == "2.2.2.2"
    assert resolve_client_ip("127.0.0.1", "10.0.0.1, 10.0.0.2", proxies) == "127.0.0.1"
    assert resolve_client_ip("127.0.0.1", "garbage", proxies) == "127.0.0.1"
    assert resolve_client_ip("127.0.0.1", "2001:db8::1", proxies) == "2001:db8::1"
    assert resolve_client_ip("127.0.0.1", "1.1.1.1", ()) == "127.0.0.1"


def test_memory_limiter_counts_fixed_windows() -> None:
    now = [1000.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    rule = RateLimit(3, 60)
    assert [limiter.hit("k", rule) for _ in range(3)] == [None, None, None]
    now[0] = 1010.5
    assert limiter.hit("k", rule) == 10  # the window 960..1020 ends in 9.5 s: round up
    assert limiter.hit("other", rule) is None
    now[0] = 1020.0
    assert limiter.hit("k", rule) is None


def test_default_limits_parse() -> None:
    assert parse_rate_limits("") == parse_rate_limits(" , ")
    assert parse_rate_limits("api_ip=1/1")["api_ip"] == RateLimit(1, 1)
