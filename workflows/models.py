"""Workflow templates, running workflows and their steps. (Being built by the workflow issue.)"""

from django.db import models


class Workflow(models.Model):
    """One running checklist, started from a template version, for one subject (a departure)."""

    started_at = models.DateTimeField(auto_now_add=True)

    def open_required_steps(self):
        """Required steps not yet finished (done, skipped or approved)."""
        raise NotImplementedError
