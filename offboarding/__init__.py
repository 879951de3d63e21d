"""The domain: employees, departures and their state machine, the exit interview, reports."""
