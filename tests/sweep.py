"""URL enumeration and object registry for the tenancy sweep.

Every URL pattern in the project is classified:
- organization-scoped pages (their route contains ``<org_slug>``),
- API endpoints (under ``/api/v1/``),
- public pages, which must be listed in ``PUBLIC_URL_NAMES`` on purpose.

Each URL keyword argument other than ``org_slug`` needs an entry in ``OBJECT_FOR_KWARG``: a
function that creates (or returns) an object of the *given* organization and returns the value
to put in the URL. A new view with a new kind of id fails the sweep until it is registered here,
so nobody has to remember to add a tenancy test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Pages reachable without an organization in the URL. Adding one is a deliberate decision.
PUBLIC_URL_NAMES = {
    "home",
    "healthz",
    "signup",
    "organization_new",
    "invitation_accept",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "api:schema",
    "api:docs",
    "api:redoc",
    # Shared links (/s/<token>/...): no login by design; the token is resolved by retention.sharing.
    "shared_link",
    "healthcheck_step",
    "healthcheck_result",
}
PUBLIC_NAMESPACES = {"admin"}  # Django admin: staff only, across organizations by design.


@dataclass(frozen=True)
class SweptUrl:
    name: str
    kind: str  # "org" | "api" | "public"
    kwargs: tuple[str, ...]
    route: str
    callback: Callable | None = None

    @property
    def model(self):
        """The model behind a DRF view (from its ``queryset``), used for ``pk``-style kwargs."""
        view_class = getattr(self.callback, "cls", None)
        queryset = getattr(view_class, "queryset", None)
        return getattr(queryset, "model", None)


def _kwarg_names(pattern) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    return tuple(regex.groupindex.keys())


def iter_urls() -> Iterator[SweptUrl]:
    def walk(resolver: URLResolver, prefix: str, namespace: str | None, kwargs: tuple[str, ...]):
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry, route, ns, kwargs + _kwarg_names(entry))
            elif isinstance(entry, URLPattern):
                name = entry.name
                full_name = f"{namespace}:{name}" if namespace and name else name
                all_kwargs = kwargs + _kwarg_names(entry)
                if "org_slug" in all_kwargs:
                    kind = "org"
                elif route.startswith("api/v1/"):
                    kind = "api"
                else:
                    kind = "public"
                yield SweptUrl(name=full_name or f"<unnamed {route}>", kind=kind, kwargs=all_kwargs, route=route, callback=entry.callback)

    yield from walk(get_resolver(), "", None, ())


# kwarg name -> function(organization) -> URL value, for page URLs (``account_id`` …).
# model -> function(organization) -> instance, for API URLs, whose kwargs (``pk``, or a lookup
# field such as ``external_id``) are read off the instance of the view's model.
# Every object made belongs to the given organization and carries the organization's name in
# its text, so a leak is visible in a response body.
OBJECT_FOR_KWARG: dict[str, Callable] = {}
OBJECT_FOR_MODEL: dict[type, Callable] = {}


def registers(*names: str):
    def decorator(func: Callable) -> Callable:
        for name in names:
            if name in OBJECT_FOR_KWARG and OBJECT_FOR_KWARG[name] is not func:
                raise RuntimeError(f"URL kwarg {name!r} is registered twice for the tenancy sweep")
            OBJECT_FOR_KWARG[name] = func
        return func

    return decorator


def registers_model(model: type):
    def decorator(func: Callable) -> Callable:
        OBJECT_FOR_MODEL[model] = func
        return func

    return decorator


def url_value(url: SweptUrl, kwarg: str, organization):
    """The value to put in ``url`` for ``kwarg`` so that it names an object of ``organization``."""
    if kwarg in OBJECT_FOR_KWARG and not (url.kind == "api" and url.model in OBJECT_FOR_MODEL):
        return OBJECT_FOR_KWARG[kwarg](organization)
    if url.model in OBJECT_FOR_MODEL:
        instance = OBJECT_FOR_MODEL[url.model](organization)
        return instance.pk if kwarg == "pk" else getattr(instance, kwarg)
    raise LookupError(kwarg)


def has_object_for(url: SweptUrl, kwarg: str) -> bool:
    return kwarg in OBJECT_FOR_KWARG or url.model in OBJECT_FOR_MODEL


@registers("membership_id")
def _membership(organization):
    from retention.models import Membership, Role
    from retention.tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email=f"member-of-{organization.slug}@example.test", full_name=f"{organization.name} member")
    existing = Membership.objects.filter(organization=organization, user=user).first()
    return (existing or MembershipFactory(organization=organization, user=user, role=Role.VIEWER)).pk


@registers("invitation_id")
def _invitation(organization):
    from retention import services
    from retention.models import Role
    from retention.tests.factories import UserFactory

    owner = UserFactory(email=f"inviter-{organization.slug}@example.test")
    return services.invitation_create(
        organization=organization, email=f"invitee-{organization.slug}@example.test", role=Role.CSM, invited_by=owner
    ).invitation.pk


@registers("api_key_id")
def _api_key(organization):
    from retention import services

    return services.api_key_create(organization=organization, name=f"{organization.name} sweep key", scopes=["read"]).api_key.pk


# Import the registrations other apps contribute (each app keeps its own next to its tests).
def load_app_registrations() -> None:
    """Import every ``<app>/tests/sweep_objects*.py`` (and ``<app>/<pkg>/tests/…``): each app
    registers its own objects next to its tests."""
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in sorted([*root.glob("*/tests/sweep_objects*.py"), *root.glob("*/*/tests/sweep_objects*.py")]):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        importlib.import_module(module)


@registers("subscription_id")
def _webhook_subscription(organization):
    from retention import webhooks

    return webhooks.webhook_subscription_create(
        organization=organization, url=f"https://{organization.slug}.example.test/hook", event_types=["risk.opened"], actor=None
    ).pk


@registers("delivery_id")
def _webhook_delivery(organization):
    from retention.webhook_models import WebhookDelivery, WebhookSubscription

    subscription = WebhookSubscription.objects.filter(organization=organization).first() or WebhookSubscription.objects.get(
        pk=_webhook_subscription(organization)
    )
    return WebhookDelivery.objects.create(organization=organization, subscription=subscription, event_type="risk.opened", payload={"org": organization.name}).pk
