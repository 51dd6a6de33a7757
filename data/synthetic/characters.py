"""Outlined cel-style characters, drawn from a character spec."""

import math

from data.synthetic.palette import OUTLINE
from data.synthetic.world import _CharacterSpec


def _draw_character(draw, c: _CharacterSpec, sx, sy, hpx, facing, phase, walking, lw):
    """Draw character c with its feet at (sx, sy), total height hpx pixels."""
    U = hpx
    wf = c.width

    def P(x, y):
        return (sx + x * U * wf, sy + y * U)

    def E(x, y, rx, ry):
        return [sx + (x - rx) * U * wf, sy + (y - ry) * U, sx + (x + rx) * U * wf, sy + (y + ry) * U]

    swing = math.sin(phase) if walking else 0.0
    ol = dict(outline=OUTLINE, width=lw)
    # hair behind the head and body
    if c.hair_style == 2:
        draw.polygon([P(-0.19, -0.82), P(0.19, -0.82), P(0.2, -0.5), P(-0.2, -0.5)], fill=c.hair, **ol)
    elif c.hair_style == 3:
        for s in (-1, 1):
            draw.ellipse(E(s * 0.2, -0.66, 0.07, 0.17), fill=c.hair, **ol)
    # legs and shoes
    for s in (-1, 1):
        dx = s * swing * 0.06
        tx, bx = s * 0.055, s * 0.055 + dx
        legc = c.bottom if c.outfit != 1 else c.skin
        draw.polygon([P(tx - 0.038, -0.32), P(tx + 0.038, -0.32), P(bx + 0.035, -0.03), P(bx - 0.035, -0.03)],
                     fill=legc, **ol)
        draw.ellipse(E(bx + facing * 0.015, -0.025, 0.05, 0.025), fill=(70, 50, 50), **ol)
    # arms (behind the torso's outline)
    for s in (-1, 1):
        dx = -s * swing * 0.05
        draw.polygon([P(s * 0.11, -0.6), P(s * 0.16, -0.58), P(s * 0.19 + dx, -0.36), P(s * 0.13 + dx, -0.36)],
                     fill=c.top, **ol)
        draw.ellipse(E(s * 0.16 + dx, -0.345, 0.03, 0.03), fill=c.skin, **ol)
    # torso
    if c.outfit == 1:
        draw.polygon([P(-0.12, -0.62), P(0.12, -0.62), P(0.21, -0.26), P(-0.21, -0.26)], fill=c.top, **ol)
        draw.line([P(-0.2, -0.3), P(0.2, -0.3)], fill=c.accent, width=max(1, lw))
    else:
        draw.polygon([P(-0.13, -0.62), P(0.13, -0.62), P(0.14, -0.3), P(-0.14, -0.3)], fill=c.top, **ol)
        if c.outfit == 2:
            draw.polygon([P(-0.09, -0.62), P(0.09, -0.62), P(0.0, -0.53)], fill=(250, 250, 250), **ol)
            draw.polygon([P(-0.025, -0.56), P(0.025, -0.56), P(0.0, -0.45)], fill=c.accent)
    draw.rectangle([*P(-0.035, -0.67), *P(0.035, -0.61)], fill=c.skin)
    # head
    draw.ellipse(E(0.0, -0.78, 0.145, 0.155), fill=c.skin, **ol)
    # hair in front
    if c.hair_style == 1:
        pts = [P(-0.16, -0.76)]
        for k in range(7):
            a = math.pi * (1 - k / 6)
            pts.append(P(0.2 * math.cos(a), -0.84 - 0.13 * math.sin(a)))
            if k < 6:
                a2 = math.pi * (1 - (k + 0.5) / 6)
                pts.append(P(0.13 * math.cos(a2), -0.84 - 0.09 * math.sin(a2)))
        pts.append(P(0.16, -0.76))
        pts.append(P(0.0, -0.83))
        draw.polygon(pts, fill=c.hair, **ol)
    else:
        draw.chord(E(0.0, -0.8, 0.165, 0.145), 180, 360, fill=c.hair, **ol)
        draw.polygon([P(-0.16, -0.8), P(-0.1, -0.72), P(-0.06, -0.8), P(0.0, -0.73), P(0.05, -0.8),
                      P(0.1, -0.72), P(0.16, -0.8)], fill=c.hair)
        if c.hair_style == 3:
            draw.ellipse(E(0.0, -0.95, 0.04, 0.03), fill=c.accent, **ol)
    # eyes and mouth
    for s in (-1, 1):
        ex = s * 0.06 + facing * 0.025
        draw.ellipse(E(ex, -0.765, 0.028, 0.045), fill=c.eyes, outline=OUTLINE, width=max(1, lw // 2 + 1))
        draw.ellipse(E(ex - 0.008, -0.78, 0.01, 0.012), fill=(255, 255, 255))
    draw.line([P(facing * 0.02 - 0.025, -0.69), P(facing * 0.02 + 0.025, -0.69)], fill=OUTLINE, width=1)
