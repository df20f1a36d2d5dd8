# Correct: dynamic programming over the sorted counts of each title, in integer cents.
from functools import lru_cache

GROUP_PRICE = {1: 800, 2: 1520, 3: 2160, 4: 2560, 5: 3000}


def total(basket):
    counts = {}
    for book in basket:
        counts[book] = counts.get(book, 0) + 1
    if len(counts) > 5:
        raise ValueError("only five titles")
    return _best(tuple(sorted(counts.values(), reverse=True)))


@lru_cache(maxsize=None)
def _best(counts):
    counts = tuple(c for c in counts if c > 0)
    if not counts:
        return 0
    best = None
    for size in range(1, len(counts) + 1):
        rest = tuple(sorted([c - 1 for c in counts[:size]] + list(counts[size:]), reverse=True))
        price = GROUP_PRICE[size] + _best(rest)
        best = price if best is None else min(best, price)
    return best
