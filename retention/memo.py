"""Answers computed once for the span of a block of work (a nightly run) and shared by its threads.

The nightly pipeline asks some organization-wide questions from several places (each chunk of
accounts, the value checkpoints): inside ``RunMemo.active()`` the first caller of a key computes
the answer and concurrent callers wait for it; outside the block nothing is kept.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class RunMemo(Generic[T]):
    def __init__(self) -> None:
        self._store: dict[Hashable, Future] | None = None
        self._lock = threading.Lock()

    @property
    def is_active(self) -> bool:
        return self._store is not None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Keep answers until the block ends (a nested block shares the outer one's)."""
        with self._lock:
            outer = self._store is not None
            if not outer:
                self._store = {}
        try:
            yield
        finally:
            if not outer:
                with self._lock:
                    self._store = None

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``key``: computed by the first caller, awaited by concurrent ones. A
        failure is not kept (the next caller tries again). Outside ``active()``: computed."""
        store = self._store
        if store is None:
            return compute()
        with self._lock:
            known = store.get(key)
            first = known is None
            if first:
                known = store[key] = Future()
        if first:
            try:
                known.set_result(compute())
            except BaseException as exc:
                with self._lock:
                    store.pop(key, None)
                known.set_exception(exc)
                raise
        return known.result()
