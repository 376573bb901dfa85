"""Nearest-neighbour matching on the logit of the propensity score, with a caliper."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TIE_TOLERANCE = 1e-12
"""Scores this close (relative to their size) count as a tie."""


def match_nearest(
    logit_treated: FloatArray,
    logit_comparison: FloatArray,
    *,
    caliper: float | None,
    ratio: int,
    replace: bool,
) -> list[IntArray]:
    """For each treated person, the positions of up to ``ratio`` nearest comparison people.

    Distances are absolute differences in the logit of the propensity score; a match further away
    than ``caliper`` (in logit units; ``None`` for no limit) is not used, so a treated person may
    get fewer than ``ratio`` matches, or none. With ``replace`` a comparison person may be matched
    to several treated people; without it, treated people are matched greedily, highest score
    first (they are the hardest to match). With replacement, everyone tied with the k-th nearest is
    also a match and they share its weight (as Abadie and Imbens do), so the result does not depend
    on the order of the rows; without replacement, a tie goes to the person listed first.
    """
    order = np.argsort(logit_comparison, kind="stable")
    sorted_logit = logit_comparison[order]
    limit = np.inf if caliper is None else caliper
    if replace:
        return _with_replacement(logit_treated, sorted_logit, order, limit, ratio)
    return _without_replacement(logit_treated, sorted_logit, order, limit, ratio)


def _with_replacement(
    logit_treated: FloatArray, sorted_logit: FloatArray, order: IntArray, limit: float, ratio: int
) -> list[IntArray]:
    n = sorted_logit.size
    k = min(ratio, n)
    insert = np.searchsorted(sorted_logit, logit_treated)
    # In one dimension the k nearest lie among the k values either side of the insertion point.
    offsets = np.arange(-k, k)
    window = np.clip(insert[:, None] + offsets[None, :], 0, n - 1)
    distance = np.abs(sorted_logit[window] - logit_treated[:, None])
    kth = np.sort(distance, axis=1)[:, k - 1]
    # Everyone as close as the k-th nearest is a match (ties share the weight), so the result
    # does not depend on the order of the rows.
    reach = np.minimum(kth, limit) + TIE_TOLERANCE * np.maximum(1.0, np.abs(logit_treated))
    lower = np.searchsorted(sorted_logit, logit_treated - reach, side="left")
    upper = np.searchsorted(sorted_logit, logit_treated + reach, side="right")
    return [order[start:stop].astype(np.int64) for start, stop in zip(lower, upper, strict=True)]


def _without_replacement(
    logit_treated: FloatArray, sorted_logit: FloatArray, order: IntArray, limit: float, ratio: int
) -> list[IntArray]:
    n = sorted_logit.size
    available = np.ones(n, dtype=bool)
    matches: list[IntArray] = [np.empty(0, dtype=np.int64) for _ in range(logit_treated.size)]
    for treated in np.argsort(-logit_treated, kind="stable"):
        target = logit_treated[treated]
        chosen: list[int] = []
        left = int(np.searchsorted(sorted_logit, target)) - 1
        right = left + 1
        while len(chosen) < ratio:
            while left >= 0 and not available[left]:
                left -= 1
            while right < n and not available[right]:
                right += 1
            if left < 0 and right >= n:
                break
            left_gap = target - sorted_logit[left] if left >= 0 else np.inf
            right_gap = sorted_logit[right] - target if right < n else np.inf
            if min(left_gap, right_gap) > limit:
                break
            pick = left if left_gap <= right_gap else right
            available[pick] = False
            chosen.append(pick)
        matches[treated] = order[np.asarray(chosen, dtype=np.int64)].astype(np.int64)
    return matches


def matching_weights(matches: list[IntArray], n_comparison: int) -> tuple[FloatArray, FloatArray]:
    """Weights that turn matched sets into one comparison: (treated weights, comparison weights).

    A matched treated person weighs 1 and an unmatched one 0; each comparison person weighs the
    sum, over the treated people they were matched to, of 1 / (that person's number of matches).
    """
    treated = np.zeros(len(matches), dtype=np.float64)
    comparison = np.zeros(n_comparison, dtype=np.float64)
    for i, chosen in enumerate(matches):
        if chosen.size:
            treated[i] = 1.0
            np.add.at(comparison, chosen, 1.0 / chosen.size)
    return treated, comparison
