from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from . import openapi  # noqa: F401  (registers the OpenAPI authentication extension)
