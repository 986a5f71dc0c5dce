"""Geometry of the small inline SVG line charts (sparklines) of the level dashboard."""

import dataclasses

WIDTH = 160
HEIGHT = 40
# Room for the stroke and the end dot, so neither is clipped at the edges.
PADDING = 4


@dataclasses.dataclass(frozen=True)
class Sparkline:
    """SVG polyline ``points`` strings, one per run of months with a value, and the last dot."""

    width: int
    height: int
    segments: list[str]
    last_x: float | None
    last_y: float | None


def sparkline(values: list[float | None], *, width: int = WIDTH, height: int = HEIGHT) -> Sparkline:
    """Return the geometry of a line chart of ``values``, oldest first, left to right.

    A month without a value (None) breaks the line rather than being drawn
    as zero. A flat series is drawn through the middle.
    """
    known = [value for value in values if value is not None]
    if not known:
        return Sparkline(width, height, [], None, None)

    low, high = min(known), max(known)
    span = high - low
    step = (width - 2 * PADDING) / max(1, len(values) - 1)

    def y_of(value: float) -> float:
        if span == 0:
            return height / 2
        # SVG y grows downward, so the highest value sits at the top.
        return PADDING + (high - value) / span * (height - 2 * PADDING)

    segments, current = [], []
    last = (None, None)
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        x, y = PADDING + index * step, y_of(value)
        current.append(f"{x:.1f},{y:.1f}")
        last = (round(x, 1), round(y, 1))
    if current:
        segments.append(" ".join(current))

    return Sparkline(width, height, segments, *last)
