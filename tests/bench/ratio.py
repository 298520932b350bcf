# SPDX-License-Identifier: LGPL-2.1-or-later
"""The suite's RATIO line, the same as tests/bench/ratio_figure.h prints from C++:

    RATIO <area> <figure> <ratio> vs <reference> (spread <p10>-<p90>, n=<pairs>)

ratio: median of ours over median of the reference; spread: the 10th and 90th percentiles of the
ratios of the i-th sample of each, in the order they ran (the contenders' repetitions are
interleaved, so the i-th samples ran close together).
"""
import math
import re

LINE = re.compile(r"^RATIO (\S+) (\S+) (\S+) vs (\S+) \(spread (\S+)-(\S+), n=(\d+)\)$")


def quantile(values, q):
    values = sorted(v for v in values if v is not None and not math.isnan(v))
    if not values:
        return math.nan
    position = q * (len(values) - 1)
    low = int(math.floor(position))
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def median(values):
    return quantile(values, 0.5)


def ratio_of(ours, reference):
    """(ratio, p10, p90, pairs) of two sample lists in run order."""
    paired = [o / r for o, r in zip(ours, reference) if r]
    ref = median(reference)
    ratio = median(ours) / ref if ref else math.nan
    return ratio, quantile(paired, 0.1), quantile(paired, 0.9), len(paired)


def format_ratio(area, figure, result, reference):
    ratio, low, high, pairs = result
    return f"RATIO {area} {figure} {ratio:.2f} vs {reference} (spread {low:.2f}-{high:.2f}, n={pairs})"


def parse(line):
    """A RATIO line as a dict, or None."""
    m = LINE.match(line.strip())
    if not m:
        return None
    area, figure, ratio, reference, low, high, pairs = m.groups()
    return {"area": area, "figure": figure, "ratio": float(ratio), "reference": reference,
            "low": float(low), "high": float(high), "pairs": int(pairs)}
