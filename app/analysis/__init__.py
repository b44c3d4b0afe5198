"""Qt-free analysis beside the simulation: the queueing-theory model, statistics over a run's
metric streams, forecasts and capacity planning."""
