"""Drawing helpers shared by the setting painters: banded skies, outlined blobs, clouds, boxes, trees."""

import numpy as np

from data.synthetic.palette import OUTLINE, _dark, _mix


def _bands(draw, x0, y0, x1, y1, top, bottom, n):
    """A flat-shaded (posterised) vertical gradient of n bands, thinner near the bottom."""
    weights = np.linspace(1.3, 0.7, n)
    edges = y0 + (y1 - y0) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    for k in range(n):
        t = k / max(1, n - 1)
        draw.rectangle([x0, int(round(edges[k])), x1, int(round(edges[k + 1]))], fill=_mix(top, bottom, t))


def _blob(draw, puffs, fill, shade, lw, outline=OUTLINE):
    """Union of ellipses (x, y, rx, ry) with an outline and a shaded lower rim (cel style)."""
    for x, y, rx, ry in puffs:
        draw.ellipse([x - rx - lw, y - ry - lw, x + rx + lw, y + ry + lw], fill=outline)
    for x, y, rx, ry in puffs:
        draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=shade)
    for x, y, rx, ry in puffs:
        cy = y - 0.14 * ry
        draw.ellipse([x - 0.86 * rx, cy - 0.84 * ry, x + 0.86 * rx, cy + 0.72 * ry], fill=fill)


def _cloud(draw, rng, cx, cy, w, fill, shade, lw, outline):
    n = int(rng.integers(3, 7))
    puffs = []
    for k in range(n):
        t = (k + 0.5) / n - 0.5
        rx = w * rng.uniform(0.16, 0.28)
        ry = rx * rng.uniform(0.65, 0.95) * (1.0 - 0.8 * abs(t))
        puffs.append((cx + t * w, cy - ry * 0.4, rx, ry))
    puffs.append((cx, cy, w * 0.5, w * 0.09))
    _blob(draw, puffs, fill, shade, lw, outline)


def _box(draw, x0, y0, x1, y1, fill, lw, shade=None, shade_frac=0.2, outline=OUTLINE):
    draw.rectangle([x0, y0, x1, y1], fill=fill, outline=outline, width=lw)
    sx = x1 - (x1 - x0) * shade_frac
    # the shaded side only where it fits inside the outline (a tiny frame's boxes are a few pixels)
    if shade is not None and x1 - x0 > 4 * lw and x1 - lw >= sx and y1 - lw >= y0 + lw:
        draw.rectangle([sx, y0 + lw, x1 - lw, y1 - lw], fill=shade)
        draw.line([(sx, y0 + lw), (sx, y1 - lw)], fill=outline, width=max(1, lw // 2))


def _windows(draw, rng, x0, y0, x1, y1, u, dark, lit, p_lit, lw):
    ww, wh = max(2.0, 3.2 * u), max(2.0, 4.2 * u)
    gx, gy = ww + max(2.0, 2.6 * u), wh + max(2.0, 3.0 * u)
    nx = int((x1 - x0 - 2 * u) // gx)
    ny = int((y1 - y0 - 3 * u) // gy)
    if nx <= 0 or ny <= 0:
        return
    ox = x0 + (x1 - x0 - nx * gx + (gx - ww)) / 2
    for j in range(ny):
        for i in range(nx):
            c = lit if rng.random() < p_lit else dark
            wx, wy = ox + i * gx, y0 + 2.5 * u + j * gy
            draw.rectangle([wx, wy, wx + ww, wy + wh], fill=c)


def _mountains(draw, rng, x0, x1, base, top_min, top_max, color, lw, snow=None):
    pts = [(x0, base)]
    x = x0
    while x < x1:
        step = rng.uniform(0.08, 0.2) * (x1 - x0)
        peak = rng.uniform(top_min, top_max)
        pts.append((x + step / 2, peak))
        x += step
        pts.append((x, rng.uniform(peak, base) * 0.5 + base * 0.5 - (base - peak) * 0.3))
    pts.append((x1, base))
    draw.polygon(pts, fill=color, outline=_dark(color, 0.8), width=max(1, lw // 2))
    if snow is not None:
        for k in range(1, len(pts) - 1, 2):
            px, py = pts[k]
            d = (base - py) * 0.18
            draw.polygon([(px, py), (px - d, py + d), (px + d, py + d)], fill=snow)


def _tree(draw, rng, x, ground, h, leaf, trunk, lw):
    tw = h * 0.12
    draw.rectangle([x - tw / 2, ground - h * 0.45, x + tw / 2, ground], fill=trunk, outline=OUTLINE, width=lw)
    r = h * 0.32
    puffs = [(x + rng.uniform(-0.5, 0.5) * r, ground - h * 0.62 + rng.uniform(-0.3, 0.3) * r,
              r * rng.uniform(0.6, 0.9), r * rng.uniform(0.55, 0.8)) for _ in range(4)]
    puffs.append((x, ground - h * 0.7, r, r * 0.85))
    _blob(draw, puffs, leaf, _dark(leaf, 0.78), lw)
