"""Remembered answers of pure functions of short texts, for the parser's hot paths.

The same cells, labels, sentences and impact lines recur across a corpus, so
the extractors remember what they computed for a text. A cache that keeps
growing would follow the corpus size in every parser worker; one that stops
filling would stop helping on a long build. Each cache here is emptied when
it holds MAX_ANSWERS and fills again with what the build meets now.

MAX_ANSWERS is small enough that every cache is full a few thousand documents
into a build, so a parser worker's memory is the same at 20,000 documents as
at 100,000; it is large enough that the benchmark corpus parses no slower than
with four times as many (a thousand costs about a seventh more time)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
MAX_ANSWERS = 5_000
_UNSEEN = object()


def remembered(cache: dict, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), remembered in `cache` under `key` (the cache emptied when it holds MAX_ANSWERS)."""
    found = cache.get(key, _UNSEEN)
    if found is _UNSEEN:
        found = compute()
        if len(cache) >= MAX_ANSWERS:
            cache.clear()
        cache[key] = found
    return found
