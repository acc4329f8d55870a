"""Error pages: JSON under /api/, friendly HTML elsewhere. A 404 never says why."""

from django.http import JsonResponse
from django.shortcuts import render


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "detail": "You do not have permission to do this."}, status=403)
    message = str(exception) if exception and str(exception) else "Your role does not allow this."
    return render(request, "403.html", {"message": message}, status=403)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side. It has been logged."}, status=500)
    return render(request, "500.html", status=500)
