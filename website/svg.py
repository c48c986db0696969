"""Bar charts as inline SVG, drawn on the server.

Why not a JavaScript chart library: the site must work offline and without a
CDN, the charts are a handful of bars per year, and SVG made here needs no
script at all — it prints, it is readable by screen readers (every bar has a
<title>), it costs no extra request, and there is no vendored code to update.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 56


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def bar_chart(years: list, series: list[tuple[str, str, list]], title: str, stacked: bool = False) -> Markup:
    """An SVG bar chart: one group (or one stack) of bars per year, one colour per series."""
    if not years:
        return Markup('<p class="nianbao-empty">没有数据 · No figures yet.</p>')
    values = [[v or 0 for v in values] for _, _, values in series]
    peak = max((sum(col) for col in zip(*values)) if stacked else (max(v) for v in values), default=0)
    top = nice_max(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(years)
    bar_w = slot * 0.7 / (1 if stacked else len(series))
    parts = [
        f'<svg class="nianbao-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(5):  # gridlines and axis labels
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{value:,.0f}</text>')
    for index, year in enumerate(years):
        x0 = LEFT + slot * index + slot * 0.15
        base = TOP + plot_h
        for number, (label, color, _) in enumerate(series):
            value = values[number][index]
            height = plot_h * value / top
            x = x0 if stacked else x0 + bar_w * number
            y = base - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" fill="{color}">'
                f"<title>{escape(str(year))} {escape(label)}: {value:,.0f}</title></rect>"
            )
            if stacked:
                base = y
        parts.append(
            f'<text x="{LEFT + slot * index + slot / 2:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" class="axis">{escape(str(year))}</text>'
        )
    x = LEFT
    for label, color, _ in series:  # legend
        parts.append(f'<rect x="{x}" y="{HEIGHT - 18}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="{HEIGHT - 8}" class="legend">{escape(label)}</text>')
        x += 24 + 14 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))
