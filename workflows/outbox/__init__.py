"""The outbox: durable scheduled actions (emails, invites, webhooks) and their delivery."""
