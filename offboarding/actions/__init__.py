"""Every business action once: lock, transition with its audit row, outbox rows, one transaction.

Views, pages, email links, the admin, CSV rows and HRIS events all call these; only actions import
across areas (departures, checklist, interviews, references, answers).
"""
