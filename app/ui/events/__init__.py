"""A run's events in the GUI: the Events dock, live fault injection, replayable scenarios."""
