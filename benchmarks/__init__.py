"""Benchmarks: `python -m benchmarks` (make bench) prints each figure as a JSON line against a baseline."""
