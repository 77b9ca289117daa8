"""The statistics behind every duration figure: medians, p90, bootstrap intervals.

Incident durations are heavily skewed, so the headline is the median with the
p90 and the sample size; the mean is available, labelled. A change between
two quarters is the difference of their medians with a bootstrap 90% interval;
when the interval includes zero, the change is indistinguishable from noise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

P90_METHOD = "linear"  # numpy's default: linear interpolation between order statistics


# What is left of a change once the doubtful figures are set aside (Change.sentence).
WITHOUT_DOUBTFUL = {"too_few": "too few figures are left", "noise": "it is indistinguishable from noise",
                    "shorter": "the median is shorter instead", "longer": "the median is longer instead"}  # fmt: skip


@dataclass(frozen=True)
class Summary:
    n: int
    median: float | None
    p90: float | None
    mean: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(values) -> Summary:
    """n, median, p90 and mean of the finite values (None when n = 0)."""
    a = _clean(values)
    if a.size == 0:
        return Summary(0, None, None, None)
    return Summary(
        int(a.size),
        float(np.median(a)),
        float(np.percentile(a, 90, method=P90_METHOD)),
        float(a.mean()),
    )


@dataclass(frozen=True)
class Change:
    n_current: int
    n_previous: int
    median_current: float | None
    median_previous: float | None
    difference: float | None  # current median - previous median
    low: float | None  # bootstrap interval of the difference
    high: float | None
    confidence: float
    verdict: str  # too_few | noise | shorter | longer | doubtful
    min_n: int = 5
    doubtful: int = 0  # figures of either quarter resting on weak evidence or a disagreeing stated duration
    without_doubtful: str | None = None  # the verdict without them, when that differs

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def sentence(self) -> str:
        if self.verdict == "too_few":
            return (f"Too few incidents to compare ({self.n_current} this quarter, {self.n_previous} the one before; "
                    f"a change needs at least {self.min_n} in each): look at the incidents themselves.")  # fmt: skip
        rng = f"{self.confidence:.0%} interval {_fmt(self.low)} to {_fmt(self.high)} min"
        if self.verdict == "noise":
            return f"Median changed by {_fmt(self.difference)} min ({rng}): indistinguishable from noise."
        if self.verdict == "doubtful":
            word = "shorter" if (self.difference or 0) < 0 else "longer"
            without = WITHOUT_DOUBTFUL.get(self.without_doubtful or "", "the change does not hold")
            return (f"Median {abs(self.difference or 0):.0f} min {word} ({rng}), but {self.doubtful} of the figures "
                    f"are doubtful (weak evidence, or a document's own stated duration disagrees); without them "
                    f"{without}: not called a real change.")  # fmt: skip
        word = "shorter" if self.verdict == "shorter" else "longer"
        return f"Median {abs(self.difference):.0f} min {word} ({rng}): a real change, not noise."


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:+.0f}"


def compare_medians(current, previous, min_n: int = 5, n_boot: int = 2000, confidence: float = 0.90,
                    seed: int = 20240101) -> Change:  # fmt: skip
    """Difference in medians (current - previous) with a percentile bootstrap
    interval. Deterministic: the same inputs give the same interval (a fixed
    seed), so a page and a report of the same data agree."""
    a, b = _clean(current), _clean(previous)
    med_a = float(np.median(a)) if a.size else None
    med_b = float(np.median(b)) if b.size else None
    if a.size < min_n or b.size < min_n:
        diff = None if med_a is None or med_b is None else med_a - med_b
        return Change(int(a.size), int(b.size), med_a, med_b, diff, None, None, confidence, "too_few", min_n)
    rng = np.random.default_rng(seed)
    diffs = bootstrap_medians(a, rng, n_boot) - bootstrap_medians(b, rng, n_boot)
    tail = (1 - confidence) / 2 * 100
    low, high = (float(x) for x in np.percentile(diffs, [tail, 100 - tail]))
    diff = med_a - med_b
    if low <= 0 <= high:
        verdict = "noise"
    else:
        verdict = "shorter" if high < 0 else "longer"
    return Change(int(a.size), int(b.size), med_a, med_b, diff, low, high, confidence, verdict, min_n)


def compare_medians_with_doubt(current, previous, current_doubtful, previous_doubtful, min_n: int = 5,
                               n_boot: int = 2000, confidence: float = 0.90) -> Change:  # fmt: skip
    """compare_medians(), except that a change is called real only when it
    holds without the doubtful figures too (`*_doubtful`: one flag per value);
    else the verdict is 'doubtful' and says what is left without them."""
    ch = compare_medians(current, previous, min_n=min_n, n_boot=n_boot, confidence=confidence)
    n_doubt = _true(current_doubtful) + _true(previous_doubtful)
    ch = replace(ch, doubtful=n_doubt)
    if n_doubt == 0 or ch.verdict not in ("shorter", "longer"):
        return ch
    sure = compare_medians(_sure(current, current_doubtful), _sure(previous, previous_doubtful), min_n=min_n,
                           n_boot=n_boot, confidence=confidence)  # fmt: skip
    if sure.verdict == ch.verdict:
        return ch
    return replace(ch, verdict="doubtful", without_doubtful=sure.verdict)


def _sure(values, flags):
    """The values whose flag is not set (`not flag`), in order: by a mask when both are plain numpy arrays and
    the flags booleans (the review's tens of thousands of figures), one by one otherwise."""
    plain = not isinstance(values, np.ma.MaskedArray) and not isinstance(flags, np.ma.MaskedArray)
    if plain and isinstance(values, np.ndarray) and isinstance(flags, np.ndarray) and flags.dtype == bool:
        if values.shape != flags.shape:
            raise ValueError("one flag per value")
        return values[~flags]
    return [v for v, d in zip(values, flags, strict=True) if not d]


def _true(flags) -> int:
    """How many of the flags are true (bool() of each): counted by numpy when they are booleans, as the
    review's tens of thousands of flags are, one by one otherwise."""
    seq = flags if isinstance(flags, np.ndarray) else list(flags)
    a = np.asarray(seq)
    if a.dtype == bool:
        return int(np.count_nonzero(a))
    return int(sum(bool(x) for x in seq))


RESAMPLE_LIMIT = 1_000_000  # values drawn per sample before the order-statistic method takes over


def bootstrap_medians(x: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """n_boot draws of the median of a resample (with replacement) of x.

    Small samples are resampled outright. For large ones (n_boot * n over
    RESAMPLE_LIMIT, i.e. a quarter with more than a few hundred incidents) the
    draws come from the bootstrap distribution of the median itself: the
    median of a resample is its k-th order statistic (k = ceil(n/2)), and
    P(X*_(k) <= x_(j)) = P(Binomial(n, j/n) >= k), taken here with the normal
    approximation, excellent at these n. Same distribution, O(n + n_boot log n)
    instead of O(n_boot * n)."""
    n = x.size
    if n_boot * n <= RESAMPLE_LIMIT:
        return np.median(x[rng.integers(0, n, size=(n_boot, n))], axis=1)
    xs = np.sort(x)
    k = (n + 1) // 2
    p = np.arange(1, n + 1) / n
    sd = np.sqrt(np.maximum(n * p * (1 - p), 1e-12))
    cdf = 1.0 - _normal_cdf((k - 0.5 - n * p) / sd)  # P(Bin(n, j/n) >= k), j = 1..n
    cdf[-1] = 1.0
    return xs[np.minimum(np.searchsorted(cdf, rng.random(n_boot)), n - 1)]


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    """Phi(z), vectorised (Abramowitz & Stegun 7.1.26 erf, error < 1.5e-7)."""
    x = np.abs(z) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-x * x)
    return 0.5 * (1.0 + np.sign(z) * erf)


def _clean(values) -> np.ndarray:
    """The finite values, in order, as floats (None and NaN dropped)."""
    try:  # None becomes NaN here
        a = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    except (TypeError, ValueError):
        a = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))],
                       dtype=float)  # fmt: skip
    return a[np.isfinite(a)]


def rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator
