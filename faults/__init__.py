"""`make faults`: the outbox's delivery under injected faults, on real processes, one JSON line per case."""
