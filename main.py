#!/usr/bin/env python3
"""System Design Simulator.

``python main.py`` opens the desktop application;
``python main.py simulate FILE.sdsim`` and ``python main.py validate FILE`` run headless.
"""

import sys

from app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
