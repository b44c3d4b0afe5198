"""Child process for the crash test: saves versions in a loop until it is killed.

Usage: ``python -m tests.integration.storage_save_loop DB_PATH``. Prints
``project <id>`` once, then ``committed <version> <counter>`` after each save
has returned (i.e. after its transaction committed).
"""

from __future__ import annotations

import sys

from app.storage import Store

EMAIL = "crash@example.com"
PASSWORD = "kill me softly with a signal"


def main(path: str) -> None:
    """Register, create a project, then save forever (each save also autosaves)."""
    store = Store.open(path)
    store.accounts.register(email=EMAIL, password=PASSWORD, first_name="Crash", last_name="Test")
    session = store.accounts.login(EMAIL, PASSWORD)
    project = store.projects.create(session, "Crash test", {"components": [], "counter": 0})
    print(f"project {project.id}", flush=True)
    counter = 0
    while True:
        counter += 1
        document = {"components": [{"id": f"c{counter}", "type": "cache"}], "counter": counter}
        version = store.projects.save(session, project.id, document, note=f"save {counter}")
        print(f"committed {version.number} {counter}", flush=True)
        store.recovery.write(session, project.id, document)


if __name__ == "__main__":
    main(sys.argv[1])
