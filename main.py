#!/usr/bin/env python3
"""System Design Simulator.

``python main.py`` opens the desktop application (``python main.py FILE.sdsim``
with that design open); ``python main.py simulate FILE.sdsim`` and
``python main.py validate FILE`` run headless. The same entry point is
``python -m app`` and the installed ``sdsim``/``sdsim-gui`` commands.
"""

import multiprocessing
import sys

try:
    from app.entry_point import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting: no traceback
    sys.exit(130)

if __name__ == "__main__":
    # In a frozen bundle the engine's fork server, its spawned children and the
    # resource tracker are this same executable started again with multiprocessing's
    # arguments: freeze_support() (PyInstaller's, on every platform) runs their code
    # and exits before the app parses them as a command line. A no-op otherwise.
    multiprocessing.freeze_support()
    sys.exit(main())
