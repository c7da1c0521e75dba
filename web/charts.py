"""Charts as server-rendered SVG: no script, a few hundred bytes, readable without JavaScript.

Chosen over a vendored chart library by page weight (see BENCHMARKS.md, "Web dashboard"): an inline SVG of 48
bars is ~3 KB, against ~200 KB of script before any data for the smallest common libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

__all__ = ["bar_chart"]


def bar_chart(points: Sequence[tuple[float, int]], *, title: str, start: float, end: float, step: float = 3600,
              width: int = 640, height: int = 160) -> Markup:
    """Bars for `points` (bucket start, count) from `start` to `end` in buckets of `step` seconds; empty
    buckets are drawn as zero. Each bar has a <title> with its time and count (shown on hover)."""
    buckets = max(1, int((end - start) // step))
    counts = [0] * buckets
    for at, n in points:
        index = int((at - start) // step)
        if 0 <= index < buckets:
            counts[index] += n
    top = max(counts) or 1
    bar_w = width / buckets
    bars = []
    for i, n in enumerate(counts):
        h = round((height - 20) * n / top, 1)
        label = datetime.fromtimestamp(start + i * step, tz=UTC).strftime("%d %b %H:00 UTC")
        bars.append(f'<rect x="{i * bar_w:.1f}" y="{height - 16 - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                    f'height="{h}" class="bar"><title>{escape(label)}: {n}</title></rect>')
    total = sum(counts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}: {total} in all">'
        f'<title>{escape(title)}</title>{"".join(bars)}'
        f'<text x="0" y="{height - 2}" class="axis">{escape(_day(start))}</text>'
        f'<text x="{width}" y="{height - 2}" text-anchor="end" class="axis">{escape(_day(end))}</text>'
        f'<text x="{width}" y="12" text-anchor="end" class="axis">max {top}</text></svg>')


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%d %b %H:%M")
