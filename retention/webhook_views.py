"""Admin pages for webhooks: subscriptions, their signing secret, the delivery log, redelivery."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import webhooks
from .models import Role
from .tenancy import org_view
from .webhook_models import WebhookDelivery, WebhookEventType, WebhookSubscription


class WebhookForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https", help_text="We POST JSON here, signed with HMAC-SHA256.")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple, label="Events")


def _subscription(organization, subscription_id: int) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.filter(organization=organization, pk=subscription_id).first()
    if subscription is None:
        raise Http404
    return subscription


@org_view(min_role=Role.ADMIN)
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.webhook_subscription_create(organization=request.organization, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, "Webhook created. Use its signing secret to verify deliveries.")
            return redirect("webhook_detail", org_slug=request.organization.slug, subscription_id=subscription.pk)
    subscriptions = WebhookSubscription.objects.filter(organization=request.organization).order_by("-created_at")
    return render(request, "retention/webhooks.html", {"subscriptions": subscriptions, "form": form}, status=400 if form.errors else 200)


@org_view(min_role=Role.ADMIN)
def webhook_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request.organization, subscription_id)
    deliveries = WebhookDelivery.objects.filter(organization=request.organization, subscription=subscription)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, "retention/webhook_detail.html", {"subscription": subscription, "page": page, "event_labels": dict(WebhookEventType.choices)})


@org_view(min_role=Role.ADMIN)
def webhook_toggle(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request.organization, subscription_id)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    webhooks.webhook_subscription_update(organization=request.organization, subscription=subscription, actor=request.user, is_active=not subscription.is_active)
    messages.success(request, "Webhook enabled." if subscription.is_active else "Webhook disabled.")
    return redirect("webhook_detail", org_slug=request.organization.slug, subscription_id=subscription.pk)


@org_view(min_role=Role.ADMIN)
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.select_related("subscription").filter(organization=request.organization, pk=delivery_id).first()
    if delivery is None:
        raise Http404
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    webhooks.webhook_redeliver(organization=request.organization, delivery=delivery, actor=request.user)
    messages.success(request, "Delivery queued again.")
    return redirect("webhook_detail", org_slug=request.organization.slug, subscription_id=delivery.subscription_id)
