"""The edges: email, calendar, HRIS webhooks, CSV import, chat and outbound webhooks."""
