"""Site-wide middleware: row-level-security bookkeeping and the Content-Security-Policy header."""

from django.conf import settings

from . import rls


class RowLevelSecurityMiddleware:
    """Reset the RLS context after a request when the transaction outlives it.

    In production the context dies with the request's transaction (ATOMIC_REQUESTS). Under the
    test client the whole test is one transaction, so the test settings ask for a reset to keep
    one request's scope from leaking into the next assertion.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.restore_to = getattr(settings, "RLS_RESTORE_AFTER_REQUEST", None)

    def __call__(self, request):
        response = self.get_response(request)
        if self.restore_to is not None and getattr(request, "rls_activated", False):
            rls.restore(self.restore_to)
        return response


class ContentSecurityPolicyMiddleware:
    """Everything the pages load comes from this origin: no CDN, no web fonts."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'; font-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response
