"""Inbound HR-system events: signature check (integrations.signing), per-source payload mappers, and
the processor that turns a mapped event into departure actions."""
