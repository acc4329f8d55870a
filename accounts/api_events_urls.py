"""Event-ingestion routes under /api/v1/: our batch endpoint and the Segment-compatible ones."""

from django.urls import path

from . import api_events

urlpatterns = [
    path("events/batch", api_events.EventBatchView.as_view(), name="events-batch"),
    path("segment/track", api_events.SegmentTrackView.as_view(), name="segment-track"),
    path("segment/batch", api_events.SegmentBatchView.as_view(), name="segment-batch"),
]
