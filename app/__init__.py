"""System Design Simulator: design software systems on a canvas and simulate them.

The package is layered (see docs/architecture in README): ``app.model``,
``app.engine`` and ``app.storage`` are pure Python and never import Qt;
``app.ui`` holds everything Qt.
"""

__version__ = "0.1.0"
APP_NAME = "System Design Simulator"
APP_ID = "sdsim"
ORG_NAME = "SystemDesignSimulator"
