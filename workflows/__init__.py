"""The generic engine: templates, steps and their state machine, due dates, approvals, the outbox."""
