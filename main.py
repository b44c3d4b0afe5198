#!/usr/bin/env python3
"""System Design Simulator.

``python main.py`` opens the desktop application (``python main.py FILE.sdsim``
with that design open); ``python main.py simulate FILE.sdsim`` and
``python main.py validate FILE`` run headless. The same entry point is
``python -m app`` and the installed ``sdsim``/``sdsim-gui`` commands.
"""

import sys

try:
    from app.entry_point import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting: no traceback
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
