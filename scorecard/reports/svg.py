"""Static charts as inline SVG (no browser, no network): the reports' figures, each with its
axis title and unit written on it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

COLOURS = {"social": "#1f77b4", "phone": "#2c3e50", "email": "#e67e22", "chat": "#18bc9c"}
PALETTE = ["#2c3e50", "#18bc9c", "#e67e22", "#1f77b4", "#9b59b6", "#7f8c8d"]
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _nice_max(v: float) -> float:
    """A round axis maximum at or above v."""
    if v <= 0 or not math.isfinite(v):
        return 1.0
    step = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= v:
            return m * step
    return 10 * step


def _fmt(v: float, decimals: int) -> str:
    return f"{v:,.{decimals}f}"


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    y_title: str,
    decimals: int = 2,
    width: int = 640,
    height: int = 260,
) -> str:
    """Vertical bars, one group per category and one bar per series, values written on the bars."""
    left, right, top, bottom = 70, 20, 34, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = [v for _, vals in series for v in vals if v is not None and math.isfinite(v)]
    ymax = _nice_max(max(finite, default=1.0))
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT} font-size="11">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(ymax * i / 4, decimals if ymax < 10 else (0 if (ymax * i / 4).is_integer() else 1))}</text>'
        )
    out.append(
        f'<text transform="translate(14 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">{escape(y_title)}</text>'
    )
    for gi, cat in enumerate(categories):
        x0 = left + gi * group_w + group_w * 0.15
        for si, (_name, vals) in enumerate(series):
            v = vals[gi]
            if v is None or not math.isfinite(v):
                continue
            h = plot_h * v / ymax
            x = x0 + si * bar_w
            colour = PALETTE[si % len(PALETTE)]
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" font-size="9">{_fmt(v, decimals)}</text>'
            )
        out.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(str(cat))}</text>'
        )
    lx = left
    for si, (name, _) in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{PALETTE[si % len(PALETTE)]}"/>'
            f'<text x="{lx + 14}" y="{height - 7}">{escape(name)}</text>'
        )
        lx += 20 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def stacked_shares(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    y_title: str = "share of cases (%)",
    width: int = 640,
    height: int = 240,
) -> str:
    """100 % stacked columns per period (week), one colour per series (channel)."""
    left, right, top, bottom = 56, 20, 34, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    col_w = plot_w / max(len(periods), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT} font-size="10">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{25 * i}%</text>')
    out.append(
        f'<text transform="translate(12 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">{escape(y_title)}</text>'
    )
    every = max(1, math.ceil(len(periods) / 10))
    for pi, period in enumerate(periods):
        total = sum(vals[pi] or 0 for _, vals in series)
        y = top + plot_h
        for si, (name, vals) in enumerate(series):
            share = (vals[pi] or 0) / total if total else 0
            h = plot_h * share
            y -= h
            out.append(
                f'<rect x="{left + pi * col_w:.1f}" y="{y:.1f}" width="{max(col_w - 1, 0.5):.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(name, PALETTE[si % len(PALETTE)])}"/>'
            )
        if pi % every == 0:
            out.append(
                f'<text x="{left + pi * col_w:.1f}" y="{top + plot_h + 14}" font-size="9">{escape(str(period))}</text>'
            )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 30}" text-anchor="middle">week starting</text>'
    )
    lx = left
    for si, (name, _) in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{COLOURS.get(name, PALETTE[si % len(PALETTE)])}"/>'
            f'<text x="{lx + 14}" y="{height - 5}">{escape(name)}</text>'
        )
        lx += 24 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def forest(
    rows: Sequence[tuple[str, float, float | None, float | None]],
    title: str,
    x_title: str,
    width: int = 640,
) -> str:
    """Point estimates with 95 % CI whiskers (label, estimate, low, high) and a zero line."""
    left, right, top, row_h = 230, 30, 34, 26
    height = top + row_h * len(rows) + 40
    plot_w = width - left - right
    ends = [
        abs(v) for _, e, lo, hi in rows for v in (e, lo, hi) if v is not None and math.isfinite(v)
    ]
    span = _nice_max(max(ends, default=1.0))

    def x(v: float) -> float:
        return left + plot_w * (v + span) / (2 * span)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT} font-size="11">',
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top - 4}" y2="{height - 36}" stroke="#999" stroke-dasharray="3 3"/>',
    ]
    for i, (label, est, lo, hi) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>')
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            out.append(
                f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#2c3e50" stroke-width="2"/>'
            )
        if est is not None and math.isfinite(est):
            out.append(
                f'<circle cx="{x(est):.1f}" cy="{y:.1f}" r="4.5" fill="#18bc9c" stroke="#2c3e50"/>'
            )
            out.append(
                f'<text x="{x(est):.1f}" y="{y - 7:.1f}" text-anchor="middle" font-size="9">{est:+.1f}</text>'
            )
    base = height - 36
    for v in (-span, -span / 2, 0, span / 2, span):
        out.append(f'<text x="{x(v):.1f}" y="{base + 14}" text-anchor="middle">{v:+g}</text>')
    out.append(
        f'<text x="{left + plot_w / 2}" y="{base + 30}" text-anchor="middle">{escape(x_title)}</text>'
    )
    out.append("</svg>")
    return "".join(out)
