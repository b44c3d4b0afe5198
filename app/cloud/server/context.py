"""What every request shares: settings, database, rate limiter, mailer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.cloud.server.db import Database
from app.cloud.server.errors import too_many
from app.cloud.server.mail import Mailer, create_mailer
from app.cloud.server.ratelimit import RateLimiter, create_rate_limiter
from app.cloud.server.settings import ServerSettings
from app.storage.passwords import hash_password


@dataclass
class ServerContext:
    """Built once per process by :func:`app.cloud.server.app.create_app`."""

    settings: ServerSettings
    db: Database
    limiter: RateLimiter
    mailer: Mailer
    #: Verified against when an email is unknown, at the configured cost, so that a
    #: failed sign-in takes as long whether or not the account exists.
    dummy_hash: str

    @classmethod
    def build(cls, settings: ServerSettings) -> ServerContext:
        """Connect to the database and the limiter backend (no I/O until first use)."""
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            limiter=create_rate_limiter(settings.redis_url, settings.redis_prefix),
            mailer=create_mailer(settings.smtp_url, settings.mail_from),
            dummy_hash=hash_password(secrets.token_urlsafe(16), cost=settings.bcrypt_cost),
        )

    def limit(self, name: str, who: str) -> None:
        """Count one hit of limit ``name`` for ``who``; raise a 429 past it."""
        rule = self.settings.rate_limits[name]
        retry_after = self.limiter.hit(f"{name}:{who}", rule)
        if retry_after is not None:
            raise too_many("rate_limited", "Too many requests; try again later.", retry_after)

    def close(self) -> None:
        """Release pooled connections."""
        self.limiter.close()
        self.db.dispose()
