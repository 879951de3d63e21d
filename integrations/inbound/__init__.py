"""Inbound adapters: signed HRIS events, CSV bulk starts and IT receipts, each turned into a domain action."""
