"""Shared plumbing for every app: the error vocabulary and API helpers."""
