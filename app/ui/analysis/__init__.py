"""The analytic model and the run's analysis in the GUI: figures, predictions, the dock."""
