"""``python -m app.cloud.server`` is ``sdsim-server``."""

import sys

from app.cloud.server.cli import main

sys.exit(main())
