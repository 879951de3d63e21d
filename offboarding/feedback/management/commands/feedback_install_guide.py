"""Install the shipped interview guide as a new version, unless it is installed already."""

from django.core.management.base import BaseCommand

from offboarding.feedback.guide import guide_install_default


class Command(BaseCommand):
    help = "Install the default exit-interview guide (idempotent)."

    def handle(self, *args, **options) -> None:
        guide, created = guide_install_default()
        state = "installed" if created else "already installed"
        self.stdout.write(f"Guide version {guide.version} {state}.")
