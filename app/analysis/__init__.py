"""Analysis beside the simulation: queueing-theory predictions and run statistics (Qt-free)."""
