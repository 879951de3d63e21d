from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "offboarding.pages"
    label = "pages"
    verbose_name = "Pages"
