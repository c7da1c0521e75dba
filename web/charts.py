"""Charts as server-rendered SVG: no script, a few hundred bytes, readable without JavaScript.

Chosen over a vendored chart library by page weight (see BENCHMARKS.md, "Web dashboard"): an inline SVG of 48
bars is ~3 KB, against ~200 KB of script before any data for the smallest common libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

__all__ = ["bar_chart", "ranked_bars", "stacked_bars"]

PALETTE = ("#5865f2", "#eb459e", "#fee75c", "#57f287", "#ed4245", "#3ba55d", "#faa61a", "#9b84ee")


def bar_chart(points: Sequence[tuple[float, int]], *, title: str, start: float, end: float, step: float = 3600,
              width: int = 640, height: int = 130) -> Markup:
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
        f'<text x="{width / 2:.0f}" y="{height - 2}" text-anchor="middle" class="axis">highest: {top}</text></svg>')


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%d %b %H:%M")


def ranked_bars(items: Sequence[tuple[str, float, str | None]], *, title: str, unit: str = "",
                width: int = 640) -> Markup:
    """Horizontal bars for a ranked list of (label, value, link or None), largest first as given."""
    if not items:
        return Markup(f'<p class="muted">{escape(title)}: nothing yet.</p>')
    row, label_w = 22, 260
    top = max(v for _, v, _ in items) or 1
    height = row * len(items) + 4
    parts = []
    for i, (label, value, link) in enumerate(items):
        y = i * row + 2
        w = max(1.0, (width - label_w - 70) * value / top)
        text = escape(label if len(label) <= 40 else label[:39] + "…")
        name = f'<a href="{escape(link)}"><text x="0" y="{y + 15}">{text}</text></a>' if link else \
            f'<text x="0" y="{y + 15}">{text}</text>'
        shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
        parts.append(f'{name}<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" class="bar">'
                     f'<title>{text}: {shown}{escape(unit)}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="axis">{shown}{escape(unit)}</text>')
    return Markup(f'<svg class="chart ranked" viewBox="0 0 {width} {height}" role="img" '
                  f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>')


def stacked_bars(points: Sequence[tuple[float, str, int]], *, title: str, start: float, end: float,
                 step: float = 86400, width: int = 640, height: int = 160) -> Markup:
    """Per-bucket bars stacked by kind (e.g. moderation actions per day), with a legend."""
    kinds = sorted({kind for _, kind, _ in points})
    buckets = max(1, int((end - start) // step))
    counts = [dict.fromkeys(kinds, 0) for _ in range(buckets)]
    for at, kind, n in points:
        index = int((at - start) // step)
        if 0 <= index < buckets:
            counts[index][kind] += n
    top = max((sum(c.values()) for c in counts), default=0) or 1
    bar_w = width / buckets
    parts = []
    for i, bucket in enumerate(counts):
        y = height - 16.0
        day = datetime.fromtimestamp(start + i * step, tz=UTC).strftime("%d %b")
        for k, kind in enumerate(kinds):
            h = (height - 36) * bucket[kind] / top
            if h:
                y -= h
                parts.append(f'<rect x="{i * bar_w:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                             f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                             f'<title>{escape(day)}: {bucket[kind]} {escape(kind)}</title></rect>')
    legend = "".join(f'<rect x="{i * 90}" y="0" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{i * 90 + 14}" y="9" class="axis">{escape(kind)}</text>'
                     for i, kind in enumerate(kinds))
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
                  f'<title>{escape(title)}</title>{legend}{"".join(parts)}'
                  f'<text x="0" y="{height - 2}" class="axis">{escape(_day(start))}</text>'
                  f'<text x="{width}" y="{height - 2}" text-anchor="end" class="axis">{escape(_day(end))}</text></svg>')
