"""Small SVG charts written as text: the report stays one offline file with no charting
library or script in it, and each chart reads without a legend.

Values may be None (nothing to measure): such a bar or point is left out, its label
kept, so a gap shows as a gap and not as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

BAR = "#1f77b4"
Item = tuple[str, float | None]
Format = Callable[[float], str]


def percent(value: float) -> str:
    return f"{value:.1%}"


def number(value: float) -> str:
    return f"{value:,.1f}"


def bar_chart(title: str, items: Sequence[Item], *, fmt: Format = number,
              top: float | None = None, width: int = 560, row: int = 22) -> str:
    """Horizontal bars, one per labelled value, scaled to ``top`` (default: the largest)."""
    values = [v for _, v in items if v is not None]
    top = top if top is not None else max(values, default=0.0)
    label_w, value_w = 150, 70
    span = width - label_w - value_w
    height = 28 + row * max(1, len(items))
    parts = [_open(width, height, title), _title(title)]
    for index, (label, value) in enumerate(items):
        y = 28 + index * row
        parts.append(f'<text x="{label_w - 6}" y="{y + row * 0.65:.1f}" text-anchor="end" '
                     f'font-size="12">{escape(_short(label))}</text>')
        if value is None:
            parts.append(f'<text x="{label_w}" y="{y + row * 0.65:.1f}" font-size="12" '
                         'fill="#888">n/a</text>')
            continue
        length = span * value / top if top > 0 else 0.0
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(length, 0.0):.1f}" '
                     f'height="{row - 6}" fill="{BAR}"><title>{escape(label)}: '
                     f'{escape(fmt(value))}</title></rect>')
        parts.append(f'<text x="{label_w + max(length, 0.0) + 4:.1f}" y="{y + row * 0.65:.1f}" '
                     f'font-size="12">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, items: Sequence[Item], *, fmt: Format = number,
               low: float = 0.0, top: float | None = None, width: int = 560,
               height: int = 200) -> str:
    """Points joined in order (days), scaled from ``low`` to ``top``; None breaks the line."""
    values = [v for _, v in items if v is not None]
    top = top if top is not None else max(values, default=1.0)
    top = top if top > low else low + 1.0
    left, right, upper, lower = 60, 16, 28, 36
    inner_w, inner_h = width - left - right, height - upper - lower
    step = inner_w / max(1, len(items) - 1)
    parts = [_open(width, height, title), _title(title)]
    for tick in (low, (low + top) / 2, top):
        y = upper + inner_h * (1 - (tick - low) / (top - low))
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{escape(fmt(tick))}</text>')
    segment: list[str] = []
    for index, (label, value) in enumerate(items):
        x = left + (index * step if len(items) > 1 else inner_w / 2)
        if index in _label_indices(len(items)):
            parts.append(f'<text x="{x:.1f}" y="{height - lower + 16}" text-anchor="middle" '
                         f'font-size="11">{escape(_short(label, 10))}</text>')
        if value is None:
            parts.append(_polyline(segment))
            segment = []
            continue
        y = upper + inner_h * (1 - (min(value, top) - low) / (top - low))
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BAR}"><title>'
                     f'{escape(label)}: {escape(fmt(value))}</title></circle>')
    parts.append(_polyline(segment))
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            'font-family="sans-serif">')


def _title(title: str) -> str:
    return f'<text x="4" y="16" font-size="14" font-weight="bold">{escape(title)}</text>'


def _polyline(points: list[str]) -> str:
    if len(points) < 2:
        return ""
    return (f'<polyline points="{" ".join(points)}" fill="none" stroke="{BAR}" '
            'stroke-width="2"/>')


def _label_indices(count: int, most: int = 8) -> set[int]:
    """Which x labels to print: all when few, else evenly spaced ones and the last."""
    if count <= most:
        return set(range(count))
    step = -(-count // most)
    return set(range(0, count, step)) | {count - 1}


def _short(label: str, length: int = 22) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
