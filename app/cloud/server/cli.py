"""``sdsim-server``: migrate the database, then serve with uvicorn.

Migrations and the secret key file are made once here, before any worker
starts, so workers never race to create them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from app.cloud.server.settings import DEFAULT_PORT, KEEP_ALIVE_S, ServerSettings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="sdsim-server", description="The System Design Simulator cloud sync server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8001)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where server.db and secret.key live (SQLite default)")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes (>1 needs SDSIM_DATABASE_URL "
                             "PostgreSQL and SDSIM_REDIS_URL to share state)")
    parser.add_argument("--log-level", default="info")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sdsim-server``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    try:
        settings = ServerSettings.from_env(args.data_dir)
    except SettingsError as exc:
        print(f"sdsim-server: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.redis_url:
        logging.getLogger("sdsim.server").warning(
            "%d workers without SDSIM_REDIS_URL: each keeps its own rate-limit counters.",
            args.workers)
    from app.cloud.server.db import migrate

    migrate(settings.database_url)
    import uvicorn

    # Workers read their settings from the environment; pin the data folder there.
    os.environ["SDSIM_SERVER_DATA_DIR"] = str(settings.data_dir)
    common = {"host": args.host, "port": args.port, "log_level": args.log_level,
              # X-Forwarded-For is ours to judge (SDSIM_TRUSTED_PROXIES), not uvicorn's.
              "proxy_headers": False, "server_header": False,
              # Longer than the desktop client's pool expiry (KEEPALIVE_EXPIRY_S), so
              # the client always drops an idle connection before the server does.
              "timeout_keep_alive": KEEP_ALIVE_S}
    if args.workers > 1:
        uvicorn.run("app.cloud.server.app:app_from_env", factory=True, workers=args.workers,
                    **common)
    else:
        from app.cloud.server.app import create_app

        uvicorn.run(create_app(settings), **common)
    return 0
