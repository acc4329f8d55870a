"""OpenAPI schema additions: the API-key security scheme and the error responses every
operation can give (documented once, as the ``Error`` component)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "detail"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable error code (e.g. not_found, invalid, missing_scope, throttled)."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {"description": "Field errors: field name → list of messages (validation errors only).", "type": "object", "additionalProperties": True},
        "retry_after_seconds": {"type": "integer", "description": "When throttled: seconds to wait (also in the Retry-After header)."},
    },
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": "The request is malformed or has invalid fields.",
    "401": "No API key, or an unknown or revoked one.",
    "403": "The key lacks the scope (or the user the role) this needs.",
    "404": "No such object in your organization.",
    "429": "Too many requests for this key; retry after Retry-After seconds.",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "retention.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "rk_live_…", "description": "An API key: `Authorization: Bearer rk_live_…`."}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents the shared error responses."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    return result
