"""Install the shipped default checklist templates that are missing; HR's own edits are left alone."""

from django.core.management.base import BaseCommand

from workflows.services import templates_install_defaults


class Command(BaseCommand):
    help = "Install the shipped default checklist templates (idempotent: existing ones are kept)."

    def handle(self, *args, **options):
        installed = templates_install_defaults()
        self.stdout.write(f"Installed {installed} default template(s).")
