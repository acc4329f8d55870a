"""The Redis cache backend the throttles use: real Redis, one shared client per pool."""

import threading

from django.core.cache import caches


def test_values_round_trip_through_redis():
    # Given the configured cache (Redis in the test settings)
    cache = caches["default"]
    assert type(cache).__module__ == "retention.cache"
    # When a value is stored with a timeout, then read
    cache.set("test-cache:greeting", {"hello": ["world", 1]}, timeout=30)
    # Then it comes back unchanged, and a missing key gives the default
    assert cache.get("test-cache:greeting") == {"hello": ["world", 1]}
    assert cache.get("test-cache:missing", "default") == "default"
    cache.delete("test-cache:greeting")
    assert cache.get("test-cache:greeting") is None


def test_one_client_serves_every_call_and_every_thread():
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(cache._cache.get_client(write=True))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(other is client for other in seen)
    # and concurrent increments through it are all counted
    cache.set("test-cache:counter", 0, timeout=30)
    workers = [threading.Thread(target=lambda: [cache.incr("test-cache:counter") for _ in range(50)]) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert cache.get("test-cache:counter") == 200
    cache.delete("test-cache:counter")
