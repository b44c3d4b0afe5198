"""The Sweep dialog: one or two parameters swept over replications, plotted with CIs."""
