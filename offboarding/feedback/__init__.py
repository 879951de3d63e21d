"""What leavers tell us: the interview guide, confidential answers, surveys, follow-ups and reports."""
