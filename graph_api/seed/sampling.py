"""Weighted choices and normal draws made from single ``random()`` calls.

The generator makes millions of draws, most on the hot path of a session; a table look-up indexed
by one uniform draw is several times faster than ``gauss()``. One ``random()`` per decision also
keeps the order of the draws, on which the byte-for-byte output depends, plain in the code.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable, Sequence
from statistics import NormalDist
from typing import TypeVar

T = TypeVar("T")


def cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def pick(items: Sequence[T], cum: list[float], u: float) -> T:
    """The item whose cumulative weight (``cum``, from :func:`cumulative`) first exceeds ``u`` times
    the total (u in [0, 1)); the last one if rounding leaves the draw at the total."""
    return items[min(bisect(cum, u * cum[-1]), len(items) - 1)]


NORM_SIZE = 4096
# Quantiles of the standard normal: ``NORM[int(random() * NORM_SIZE)]`` is a normal draw.
NORM = tuple(NormalDist().inv_cdf((i + 0.5) / NORM_SIZE) for i in range(NORM_SIZE))
