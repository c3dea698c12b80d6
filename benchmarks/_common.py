"""Helpers shared by the benchmark scripts (imported as ``_common``: each script runs with
``benchmarks/`` first on ``sys.path``)."""

from __future__ import annotations


def pct(values, p):
    """The ``p`` quantile of ``values`` (seconds) in milliseconds, or None when empty."""
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))] * 1000, 1)


def bench_foundation():
    """The seed district's 126 communities, 1,200 grids and 1,160 groups at a tenth of its
    households (25,200) and 20,000 group members, without work-order or message history:
    each benchmark adds the history it measures. Returns the Builder (Django set up)."""
    from gongzhi.seed import district as D
    from gongzhi.seed.builder import Builder, Scale

    scale = Scale(
        "bench", D.STREETS_SEED, households=25_200, group_members=20_000, groups=1160, grids=1200
    )
    return Builder(scale, 7, progress=False).build(history=False)
