"""Public pages behind shared links (mounted at /s/). Listed in tests/sweep.py PUBLIC_URL_NAMES:
they take no login by design and each resolves its link by token (retention.sharing)."""

from django.urls import path

from retention import sharing

from . import public_views

urlpatterns = [
    # The entry of every shared link; the purpose's registered view serves it (see apps.py).
    path("<str:token>/", sharing.entry, name="shared_link"),
    path("<str:token>/step/<int:step>/", public_views.step, name="healthcheck_step"),
    path("<str:token>/result/", public_views.result, name="healthcheck_result"),
]
