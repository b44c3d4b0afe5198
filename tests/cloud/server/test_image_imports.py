"""The server runs with only the server's packages (packaging/server/Dockerfile's list).

The image installs the app with ``--no-deps`` and names the server's own
packages; none of the desktop's (Qt, numpy, SimPy, keyring...) is there. The
server shares database plumbing with ``app.storage``, whose package once
imported keyring at load time: the image could not start. Here a fresh
interpreter refuses every desktop-only package, then migrates a database,
builds the app and answers a request through it, as the image's CMD would.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

#: Installed for the desktop, absent from the server image.
DESKTOP_ONLY = ("keyring", "PySide6", "shiboken6", "numpy", "scipy", "simpy", "pyqtgraph",
                "dask", "distributed", "httpx", "ciw", "matplotlib")

SCRIPT = textwrap.dedent("""
    import asyncio, importlib.abc, json, sys
    BLOCKED = set(sys.argv[2].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (not in the image)")
            return None

    sys.meta_path.insert(0, Refuse())
    import os
    os.environ["SDSIM_DATABASE_URL"] = "sqlite:///" + sys.argv[1] + "/server.db"
    os.environ["SDSIM_SERVER_DATA_DIR"] = sys.argv[1]
    from app.cloud.server import cli  # the image's CMD: sdsim-server
    from app.cloud.server.app import app_from_env
    from app.cloud.server.db import migrate

    migrate(os.environ["SDSIM_DATABASE_URL"])
    app = app_from_env()
    sent = []

    async def call():
        scope = {"type": "http", "method": "GET", "path": "/health/ready", "headers": [],
                 "query_string": b"", "client": ("127.0.0.1", 1), "server": ("t", 80),
                 "scheme": "http", "root_path": "", "http_version": "1.1"}
        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}
        async def send(message):
            sent.append(message)
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(call())
    print(json.dumps({"status": sent[0]["status"],
                      "loaded": sorted(m for m in BLOCKED if m in sys.modules)}))
""")


def test_the_server_starts_without_any_desktop_package(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), ",".join(DESKTOP_ONLY)],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == '{"status": 200, "loaded": []}'
