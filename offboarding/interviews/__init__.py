"""The exit interview: scheduling, the guide, confidential answers, references, follow-ups, reports."""
