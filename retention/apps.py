from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from . import lookups, openapi  # noqa: F401  (register the __any lookup and the OpenAPI authentication extension)
