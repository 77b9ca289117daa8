"""The random source: `random.Random` with faster helpers.

The stock `choice`/`randint`/`randrange` go through an exact integer path
that costs several Python calls per draw; here each takes one `random()`
call. Still fully determined by the seed, so the same arguments give the
same corpus; only the mapping from seed to corpus differs from the stock
methods."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_CUM: dict[tuple[float, ...], tuple[float, ...]] = {}


class Rng(random.Random):
    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def sample(self, population: Sequence[T], k: int) -> list[T]:  # type: ignore[override]
        """k distinct items (a partial Fisher-Yates shuffle)."""
        pool = list(population)
        n = len(pool)
        for i in range(k):
            j = i + int(self.random() * (n - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def weighted(self, items: Sequence[T], weights: tuple[float, ...]) -> T:
        """One of `items`, drawn with `weights` (a tuple, so its running sums are cached)."""
        cum = _CUM.get(weights)
        if cum is None:
            cum = _CUM[weights] = tuple(itertools.accumulate(weights))
        return items[bisect.bisect(cum, self.random() * cum[-1])]
