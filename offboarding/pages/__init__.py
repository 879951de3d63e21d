"""The web pages: each person lands on what is theirs; server-rendered templates with htmx."""
