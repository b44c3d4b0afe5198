"""Server settings, read once from the environment into a frozen dataclass.

Every knob is an ``SDSIM_*`` variable (``docs/cloud.md`` lists them). The
signing key comes from ``SDSIM_SECRET_KEY`` or, when that is unset, from
``<data-dir>/secret.key``, generated on first start with mode 0600 so that
every worker (and every restart) signs with the same key.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

MIN_SECRET_BYTES = 32
DEFAULT_PORT = 8001
#: Seconds uvicorn keeps an idle connection open: longer than the desktop client's
#: pool expiry (``app.cloud.client.api.KEEPALIVE_EXPIRY_S``), see there.
KEEP_ALIVE_S = 30
SECRET_FILE = "secret.key"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting is unusable; the message says which and why, for a person."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits per fixed window of ``window`` seconds."""

    limit: int
    window: int


#: Production limits. Names: ``<what>_<keyed by>``; ``api_ip`` covers every /api route.
DEFAULT_RATE_LIMITS: Mapping[str, RateLimit] = {
    "api_ip": RateLimit(600, 60),
    "login_ip": RateLimit(20, 60),
    "login_account": RateLimit(10, 60),
    "register_ip": RateLimit(10, 3600),
    "refresh_ip": RateLimit(60, 60),
    "email_ip": RateLimit(10, 3600),
    "email_account": RateLimit(5, 3600),
}


def parse_rate_limits(text: str) -> dict[str, RateLimit]:
    """The defaults, overridden by ``"login_ip=20/60,login_account=10/60"``."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        count, _, window = value.partition("/")
        name = name.strip()
        if name not in DEFAULT_RATE_LIMITS:
            known = ", ".join(sorted(DEFAULT_RATE_LIMITS))
            raise SettingsError(f"SDSIM_RATE_LIMITS: unknown limit {name!r} (known: {known}).")
        try:
            limits[name] = RateLimit(int(count), int(window))
        except ValueError:
            raise SettingsError(
                f"SDSIM_RATE_LIMITS: {item!r} is not NAME=COUNT/SECONDS."
            ) from None
        if limits[name].limit < 1 or limits[name].window < 1:
            raise SettingsError(f"SDSIM_RATE_LIMITS: {item!r} needs positive numbers.")
    return limits


def parse_proxies(text: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` as networks (a bare IP is a /32 or /128)."""
    networks: list[IPNetwork] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingsError(f"SDSIM_TRUSTED_PROXIES: {item!r} is not an IP or CIDR.") from None
    return tuple(networks)


def load_secret_key(value: str | None, data_dir: Path) -> bytes:
    """The signing key: ``value`` when given (at least 32 bytes), else the key file."""
    if value:
        key = value.encode("utf-8")
        if len(key) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"SDSIM_SECRET_KEY is {len(key)} bytes; use at least {MIN_SECRET_BYTES} random "
                "bytes (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                "or unset it to have one generated."
            )
        return key
    path = data_dir / SECRET_FILE
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting at once never both write a key.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        if len(key) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"{path} holds a key shorter than {MIN_SECRET_BYTES} bytes; delete it to have "
                "a new one generated (every session then ends)."
            ) from None
        return key
    key = secrets.token_urlsafe(48).encode("ascii")
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


@dataclass(frozen=True)
class ServerSettings:
    """Everything the server reads from its environment (see :meth:`from_env`)."""

    data_dir: Path
    secret_key: bytes = field(repr=False)
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = "sdsim:"
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "sdsim@localhost"
    public_url: str = f"http://localhost:{DEFAULT_PORT}"
    trusted_proxies: tuple[IPNetwork, ...] = ()
    bcrypt_cost: int = 12
    rate_limits: Mapping[str, RateLimit] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    access_ttl_s: int = 15 * 60
    refresh_ttl_s: int = 7 * 24 * 3600
    remember_ttl_s: int = 30 * 24 * 3600
    lockout_threshold: int = 5
    lockout_window_s: int = 15 * 60
    lockout_duration_s: int = 15 * 60
    email_tokens_per_hour: int = 3
    verify_ttl_s: int = 24 * 3600
    reset_ttl_s: int = 3600

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'server.db'}")

    @classmethod
    def from_env(
        cls, data_dir: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> ServerSettings:
        """Settings from ``SDSIM_*`` variables; raises :class:`SettingsError` on a bad one."""
        env = os.environ if environ is None else environ
        if data_dir is None:
            data_dir = Path(env.get("SDSIM_SERVER_DATA_DIR") or default_data_dir())
        data_dir = data_dir.expanduser().resolve()
        try:
            cost = int(env.get("SDSIM_BCRYPT_COST", "12"))
        except ValueError:
            raise SettingsError("SDSIM_BCRYPT_COST must be an integer (4 to 31).") from None
        if not 4 <= cost <= 31:
            raise SettingsError("SDSIM_BCRYPT_COST must be between 4 and 31 (production: 12).")
        return cls(
            data_dir=data_dir,
            secret_key=load_secret_key(env.get("SDSIM_SECRET_KEY"), data_dir),
            database_url=env.get("SDSIM_DATABASE_URL", ""),
            redis_url=env.get("SDSIM_REDIS_URL") or None,
            redis_prefix=env.get("SDSIM_REDIS_PREFIX", "sdsim:"),
            smtp_url=env.get("SDSIM_SMTP_URL") or None,
            mail_from=env.get("SDSIM_MAIL_FROM", "sdsim@localhost"),
            public_url=env.get("SDSIM_PUBLIC_URL", f"http://localhost:{DEFAULT_PORT}").rstrip("/"),
            trusted_proxies=parse_proxies(env.get("SDSIM_TRUSTED_PROXIES", "")),
            bcrypt_cost=cost,
            rate_limits=parse_rate_limits(env.get("SDSIM_RATE_LIMITS", "")),
        )

    def with_changes(self, **changes: object) -> ServerSettings:
        """A copy with some fields replaced (tests, the CLI)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/sdsim-server`` (or the platform's equivalent)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("sdsim-server", appauthor=False))
