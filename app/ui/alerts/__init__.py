"""The Alerts dock: the run's alerts, their marks on canvas and charts, the rule editor."""
