"""Benchmarks: `python -m benchmarks` (make bench) prints figures as ratios against a baseline."""
