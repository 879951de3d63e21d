from django.apps import AppConfig


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = "Offboarding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the outbox renderers and engine hooks this app provides.
        from offboarding import notifications  # noqa: F401
