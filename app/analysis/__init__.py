"""Qt-free analysis of designs and runs: statistics over metric streams, the analytic model."""
