"""Background painters: one canvas per setting (sky / rooftop, city, room, landscape, night).

Each canvas is twice as wide and 1.5 times as tall as the frame and drawn SUPERSAMPLE times
larger; frames are crops of it.
"""

import functools
import math

import numpy as np
from PIL import Image, ImageDraw

from data.synthetic.palette import _PRESETS, OUTLINE, _dark, _jitter, _light, _mix
from data.synthetic.shapes import _bands, _blob, _box, _cloud, _mountains, _tree, _windows
from data.synthetic.world import SUPERSAMPLE, _make_world, _SettingSpec, _World


def _render_setting(spec: _SettingSpec, world: _World) -> Image.Image:
    """The setting's canvas, drawn SUPERSAMPLE times larger than the frame scale."""
    S = SUPERSAMPLE
    cw, ch, H, W = S * world.canvas_w, S * world.canvas_h, S * world.height, S * world.width
    u = H / 120.0
    lw = max(S, int(round(u)))
    rng = np.random.default_rng(list(spec.seed))
    pal = _PRESETS[spec.kind][spec.preset]
    img = Image.new("RGB", (cw, ch), pal.get("bottom", (128, 128, 128)))
    draw = ImageDraw.Draw(img)
    fy = S * spec.floor_y
    args = (draw, rng, pal, cw, ch, u, lw, fy, W, H)
    {"sky": _draw_sky, "city": _draw_city, "room": _draw_room,
     "landscape": _draw_landscape, "night": _draw_night}[spec.kind](*args)
    return img


def _draw_sky(draw, rng, pal, cw, ch, u, lw, fy, W, H):
    horizon = fy - rng.uniform(0.2, 0.32) * H
    _bands(draw, 0, 0, cw, horizon, pal["top"], pal["bottom"], 7)
    for _ in range(int(rng.integers(4, 8))):
        w = rng.uniform(0.25, 0.55) * W
        _cloud(draw, rng, rng.uniform(0, cw), rng.uniform(0.12, 0.7) * horizon, w,
               pal["cloud"], pal["cloud_shade"], lw, _dark(pal["cloud_shade"], 0.7))
    if rng.random() < 0.5:
        # school rooftop: distant skyline, fence, concrete floor, water tank
        x = 0.0
        while x < cw:
            bw = rng.uniform(6, 16) * u
            bh = rng.uniform(0.05, 0.2) * H
            draw.rectangle([x, horizon - bh, x + bw, horizon], fill=pal["far"])
            x += bw
        draw.rectangle([0, horizon, cw, ch], fill=pal["ground"])
        edge = horizon + 0.08 * H
        draw.rectangle([0, horizon, cw, edge], fill=_dark(pal["ground"], 0.85))
        fence_top = horizon - 0.28 * H
        fc = _mix(pal["grass"], (90, 110, 100), 0.5)
        for y in (fence_top, fence_top + 0.1 * H, horizon - 2 * u):
            draw.rectangle([0, y, cw, y + 1.6 * u], fill=fc, outline=OUTLINE, width=max(1, lw // 2))
        step = rng.uniform(14, 20) * u
        x = rng.uniform(0, step)
        while x < cw:
            draw.rectangle([x, fence_top, x + 2 * u, horizon + 2 * u], fill=fc, outline=OUTLINE, width=max(1, lw // 2))
            for k in range(1, 4):
                xx = x + k * step / 4
                draw.line([(xx, fence_top), (xx, horizon)], fill=_dark(fc, 0.8), width=1)
            x += step
        for _ in range(2):
            tx = rng.uniform(0, cw)
            tw, th = rng.uniform(18, 30) * u, rng.uniform(14, 22) * u
            _box(draw, tx, edge - th, tx + tw, edge, _light(pal["ground"], 0.35), lw, _dark(pal["ground"], 0.9))
            draw.rectangle([tx + 0.2 * tw, edge - th - 3 * u, tx + 0.8 * tw, edge - th], fill=pal["ground"],
                           outline=OUTLINE, width=lw)
        y = edge + 0.12 * H
        while y < ch:
            draw.line([(0, y), (cw, y)], fill=_dark(pal["ground"], 0.9), width=1)
            y += 0.12 * H
    else:
        # open field: rolling far hills, grass, flowers
        _mountains(draw, rng, 0, cw, horizon + 2 * u, horizon - 0.18 * H, horizon - 0.05 * H, pal["far"], lw)
        draw.rectangle([0, horizon, cw, ch], fill=pal["grass"])
        draw.rectangle([0, horizon, cw, horizon + 0.05 * H], fill=_dark(pal["grass"], 0.88))
        for _ in range(int(40 * cw / 320)):
            x, y = rng.uniform(0, cw), rng.uniform(horizon + 0.08 * H, ch)
            s = rng.uniform(2, 4) * u
            draw.polygon([(x - s, y), (x, y - 1.6 * s), (x + s, y)], fill=_dark(pal["grass"], 0.8))
        for _ in range(int(25 * cw / 320)):
            x, y = rng.uniform(0, cw), rng.uniform(horizon + 0.06 * H, ch)
            r = max(1.0, 1.2 * u)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 250, 240) if rng.random() < 0.5 else (250, 200, 80))


def _draw_city(draw, rng, pal, cw, ch, u, lw, fy, W, H):
    street = fy - 0.07 * H
    _bands(draw, 0, 0, cw, street, pal["top"], pal["bottom"], 6)
    far = _mix(pal["bottom"], pal["buildings"][2], 0.35)
    x = 0.0
    while x < cw:
        bw = rng.uniform(10, 26) * u
        bh = rng.uniform(0.35, 0.8) * H
        draw.rectangle([x, street - bh, x + bw, street], fill=far)
        x += bw
    x = -rng.uniform(0, 20) * u
    while x < cw:
        bw = rng.uniform(28, 56) * u
        bh = rng.uniform(0.45, 1.05) * H
        col = _jitter(pal["buildings"][int(rng.integers(len(pal["buildings"])))], rng, 8)
        top = street - bh
        _box(draw, x, top, x + bw, street, col, lw, _dark(col, 0.8), 0.18)
        _windows(draw, rng, x, top, x + bw * 0.8, street - 10 * u, u, pal["window"], pal["lit"], 0.25, lw)
        if rng.random() < 0.5:
            draw.rectangle([x + bw * 0.3, street - 10 * u, x + bw * 0.5, street], fill=_dark(col, 0.6),
                           outline=OUTLINE, width=lw)
        if rng.random() < 0.4:
            draw.line([(x + bw * 0.7, top), (x + bw * 0.7, top - 10 * u)], fill=OUTLINE, width=lw)
        elif rng.random() < 0.4:
            draw.rectangle([x + bw * 0.15, top - 6 * u, x + bw * 0.4, top], fill=_dark(col, 0.7),
                           outline=OUTLINE, width=lw)
        x += bw + rng.uniform(0, 6) * u
    # utility poles and their wires
    poles = sorted(rng.uniform(0, cw, size=int(rng.integers(2, 4))))
    ptop = street - rng.uniform(0.75, 0.95) * H
    pc = (110, 100, 96)
    for px in poles:
        draw.rectangle([px - 1.5 * u, ptop, px + 1.5 * u, fy + 0.02 * H], fill=pc, outline=OUTLINE, width=lw)
        draw.rectangle([px - 9 * u, ptop + 4 * u, px + 9 * u, ptop + 6 * u], fill=pc, outline=OUTLINE, width=lw)
    for k, off in enumerate((4, 8)):
        xs = [0.0] + list(poles) + [float(cw)]
        pts = []
        for a, b in zip(xs[:-1], xs[1:]):
            for t in np.linspace(0, 1, 8):
                sag = 4 * t * (1 - t) * 0.06 * H
                pts.append((a + (b - a) * t, ptop + off * u + sag))
        draw.line(pts, fill=OUTLINE, width=1)
    # sidewalk and road
    draw.rectangle([0, street, cw, fy + 0.06 * H], fill=pal["walk"])
    y = street
    while y < fy + 0.06 * H:
        draw.line([(0, y), (cw, y)], fill=_dark(pal["walk"], 0.88), width=1)
        y += 0.05 * H
    draw.rectangle([0, fy + 0.06 * H, cw, fy + 0.08 * H], fill=_light(pal["walk"], 0.3), outline=OUTLINE, width=lw)
    draw.rectangle([0, fy + 0.08 * H, cw, ch], fill=pal["road"])
    ly = fy + 0.08 * H + (ch - fy - 0.08 * H) * 0.5
    x = rng.uniform(0, 20) * u
    while x < cw:
        draw.rectangle([x, ly, x + 12 * u, ly + 1.5 * u], fill=(236, 236, 226))
        x += 24 * u


def _draw_room(draw, rng, pal, cw, ch, u, lw, fy, W, H):
    floor_line = fy - rng.uniform(0.16, 0.24) * H
    draw.rectangle([0, 0, cw, floor_line], fill=pal["wall"])
    draw.rectangle([0, 0, cw, 5 * u], fill=pal["trim"], outline=OUTLINE, width=lw)
    if rng.random() < 0.5:  # wainscot
        wy = floor_line - 0.22 * H
        draw.rectangle([0, wy, cw, floor_line], fill=_dark(pal["wall"], 0.88))
        draw.line([(0, wy), (cw, wy)], fill=pal["trim"], width=max(1, 2 * lw))
    # floor planks
    draw.rectangle([0, floor_line, cw, ch], fill=pal["floor"])
    y, k = floor_line, 0
    while y < ch:
        hh = (5 + 3 * k) * u
        draw.rectangle([0, y, cw, y + hh], fill=pal["floor"] if k % 2 == 0 else pal["floor2"])
        x = rng.uniform(0, 30) * u
        while x < cw:
            draw.line([(x, y), (x, y + hh)], fill=_dark(pal["floor2"], 0.8), width=1)
            x += rng.uniform(25, 45) * u
        y += hh
        k += 1
    draw.rectangle([0, floor_line - 3 * u, cw, floor_line], fill=pal["trim"], outline=OUTLINE, width=lw)
    acc = pal["accents"]
    # windows
    blocked = []
    nwin = int(rng.integers(1, 3))
    for i in range(nwin):
        wx = (i + rng.uniform(0.15, 0.5)) * cw / nwin
        ww, wh = rng.uniform(38, 56) * u, rng.uniform(0.38, 0.5) * H
        wy = floor_line - 0.3 * H - wh
        wy = max(wy, 10 * u)
        _bands(draw, wx, wy, wx + ww, wy + wh, pal["sky"][0], pal["sky"][1], 4)
        if rng.random() < 0.7:
            _cloud(draw, rng, wx + ww * rng.uniform(0.3, 0.7), wy + wh * 0.45, ww * 0.5,
                   (255, 255, 255), _light(pal["sky"][0], 0.6), lw, _dark(pal["sky"][0], 0.7))
        fr = max(2, int(2.2 * u))
        draw.rectangle([wx, wy, wx + ww, wy + wh], outline=pal["trim"], width=fr)
        draw.rectangle([wx - fr, wy - fr, wx + ww + fr, wy + wh + fr], outline=OUTLINE, width=lw)
        draw.line([(wx + ww / 2, wy), (wx + ww / 2, wy + wh)], fill=pal["trim"], width=fr)
        draw.rectangle([wx - 4 * u, wy + wh, wx + ww + 4 * u, wy + wh + 3 * u], fill=pal["trim"],
                       outline=OUTLINE, width=lw)
        cc = acc[int(rng.integers(len(acc)))]
        for side in (0, 1):
            cx0 = wx - 8 * u if side == 0 else wx + ww - 4 * u
            pts = [(cx0, wy - 6 * u), (cx0 + 12 * u, wy - 6 * u), (cx0 + 10 * u, wy + wh + 6 * u),
                   (cx0 + 2 * u, wy + wh + 6 * u)]
            draw.polygon(pts, fill=cc, outline=OUTLINE, width=lw)
            draw.line([(cx0 + 6 * u, wy - 6 * u), (cx0 + 6 * u, wy + wh + 6 * u)], fill=_dark(cc, 0.8), width=1)
        draw.rectangle([wx - 10 * u, wy - 8 * u, wx + ww + 10 * u, wy - 6 * u], fill=(90, 80, 80))
        blocked.append((wx - 10 * u, wx + ww + 10 * u))
    # furniture along the back wall
    x = rng.uniform(0, 20) * u
    while x < cw:
        item = ["shelf", "desk", "sofa", "plant", "lamp", "wardrobe"][int(rng.integers(6))]
        c = acc[int(rng.integers(len(acc)))]
        wood = _mix(pal["floor"], (120, 80, 50), 0.5)
        if item in ("shelf", "wardrobe"):
            w = rng.uniform(26, 40) * u
            if any(a < x + w and x < b for a, b in blocked):
                item = "desk"
        if item == "shelf":
            top = floor_line - rng.uniform(0.55, 0.75) * H
            _box(draw, x, top, x + w, floor_line, wood, lw)
            ny = 4
            for j in range(ny):
                sy = top + (floor_line - top) * j / ny
                sh = (floor_line - top) / ny
                bx = x + 3 * u
                while bx < x + w - 5 * u:
                    bw = rng.uniform(2.5, 4.5) * u
                    bh = sh * rng.uniform(0.6, 0.85)
                    draw.rectangle([bx, sy + sh - bh, bx + bw, sy + sh - 1.5 * u],
                                   fill=_jitter(acc[int(rng.integers(len(acc)))], rng, 25), outline=OUTLINE, width=1)
                    bx += bw + 0.5 * u
                draw.line([(x, sy + sh), (x + w, sy + sh)], fill=OUTLINE, width=lw)
        elif item == "wardrobe":
            top = floor_line - rng.uniform(0.6, 0.8) * H
            _box(draw, x, top, x + w, floor_line, _light(c, 0.4), lw, _dark(_light(c, 0.4), 0.85), 0.15)
            draw.line([(x + w * 0.42, top), (x + w * 0.42, floor_line)], fill=OUTLINE, width=lw)
            draw.ellipse([x + w * 0.35 - u, (top + floor_line) / 2 - u, x + w * 0.35 + u,
                          (top + floor_line) / 2 + u], fill=OUTLINE)
        elif item == "desk":
            w = rng.uniform(34, 50) * u
            top = floor_line - 0.28 * H
            draw.rectangle([x + 2 * u, top, x + 5 * u, floor_line], fill=wood, outline=OUTLINE, width=lw)
            draw.rectangle([x + w - 5 * u, top, x + w - 2 * u, floor_line], fill=wood, outline=OUTLINE, width=lw)
            _box(draw, x + w * 0.55, top, x + w - 5 * u, top + 0.12 * H, _dark(wood, 0.9), lw)
            _box(draw, x, top - 3 * u, x + w, top, _light(wood, 0.2), lw)
            if rng.random() < 0.6:  # lamp or books on the desk
                _box(draw, x + 6 * u, top - 10 * u, x + 16 * u, top - 3 * u, c, lw)
        elif item == "sofa":
            w = rng.uniform(46, 64) * u
            top = floor_line - 0.26 * H
            draw.rounded_rectangle([x, top, x + w, floor_line - 2 * u], radius=5 * u, fill=c, outline=OUTLINE, width=lw)
            draw.rounded_rectangle([x + 6 * u, top + 0.12 * H, x + w - 6 * u, floor_line - 2 * u], radius=3 * u,
                                   fill=_dark(c, 0.85), outline=OUTLINE, width=lw)
            for k in range(2):
                px = x + 8 * u + k * 16 * u
                draw.rounded_rectangle([px, top + 4 * u, px + 13 * u, top + 0.12 * H + 2 * u], radius=3 * u,
                                       fill=_light(acc[(k + 1) % len(acc)], 0.3), outline=OUTLINE, width=lw)
        elif item == "plant":
            w = rng.uniform(16, 24) * u
            pot_top = floor_line - 10 * u
            draw.polygon([(x + 2 * u, pot_top), (x + w - 2 * u, pot_top), (x + w - 5 * u, floor_line),
                          (x + 5 * u, floor_line)], fill=(190, 110, 80), outline=OUTLINE, width=lw)
            _blob(draw, [(x + w / 2 + dx * u, pot_top - 9 * u + dy * u, 8 * u, 7 * u)
                         for dx, dy in ((-4, 2), (4, 1), (0, -5))], (80, 160, 80), (56, 120, 64), lw)
        else:  # floor lamp
            w = rng.uniform(14, 20) * u
            top = floor_line - 0.55 * H
            draw.rectangle([x + w / 2 - u, top, x + w / 2 + u, floor_line], fill=(70, 70, 80))
            draw.polygon([(x + 2 * u, top + 10 * u), (x + w - 2 * u, top + 10 * u), (x + w - 5 * u, top),
                          (x + 5 * u, top)], fill=_light(c, 0.5), outline=OUTLINE, width=lw)
            draw.rectangle([x + 3 * u, floor_line - 2 * u, x + w - 3 * u, floor_line], fill=(70, 70, 80))
        x += w + rng.uniform(4, 22) * u
    # wall decorations in free spots
    for _ in range(int(rng.integers(1, 4))):
        px = rng.uniform(0, cw - 30 * u)
        pw, ph = rng.uniform(14, 26) * u, rng.uniform(12, 20) * u
        if any(a < px + pw and px < b for a, b in blocked):
            continue
        py = floor_line - 0.62 * H - ph
        py = max(py, 8 * u)
        c = acc[int(rng.integers(len(acc)))]
        if rng.random() < 0.5:
            _box(draw, px, py, px + pw, py + ph, _light(c, 0.6), lw)
            draw.ellipse([px + pw * 0.3, py + ph * 0.25, px + pw * 0.7, py + ph * 0.75], fill=c)
        else:
            r = 6 * u
            draw.ellipse([px, py, px + 2 * r, py + 2 * r], fill=(250, 250, 245), outline=OUTLINE, width=lw)
            draw.line([(px + r, py + r), (px + r, py + 0.4 * r)], fill=OUTLINE, width=1)
            draw.line([(px + r, py + r), (px + 1.5 * r, py + r)], fill=OUTLINE, width=1)
        blocked.append((px, px + pw))


def _draw_landscape(draw, rng, pal, cw, ch, u, lw, fy, W, H):
    horizon = fy - rng.uniform(0.32, 0.45) * H
    _bands(draw, 0, 0, cw, horizon, pal["top"], pal["bottom"], 7)
    sx, sy = rng.uniform(0.1, 0.9) * cw, rng.uniform(0.2, 0.6) * horizon
    r = rng.uniform(9, 15) * u
    draw.ellipse([sx - 1.5 * r, sy - 1.5 * r, sx + 1.5 * r, sy + 1.5 * r], fill=_mix(pal["sun"], pal["bottom"], 0.55))
    draw.ellipse([sx - r, sy - r, sx + r, sy + r], fill=pal["sun"])
    for _ in range(int(rng.integers(2, 5))):
        _cloud(draw, rng, rng.uniform(0, cw), rng.uniform(0.15, 0.6) * horizon, rng.uniform(0.2, 0.4) * W,
               _light(pal["bottom"], 0.7), _light(pal["top"], 0.45), lw, _dark(pal["top"], 0.8))
    if pal["variant"] == "hills":
        _mountains(draw, rng, 0, cw, horizon + 4 * u, horizon - 0.4 * H, horizon - 0.15 * H, pal["far"], lw,
                   snow=_light(pal["far"], 0.7))
        hills = pal["hills"]
        levels = [horizon, horizon + 0.1 * H, fy - 0.08 * H]
        for k, (level, col) in enumerate(zip(levels, hills)):
            puffs = []
            x = -rng.uniform(0, 40) * u
            while x < cw + 40 * u:
                rx = rng.uniform(40, 90) * u
                puffs.append((x, level + rng.uniform(0, 6) * u, rx, rng.uniform(0.12, 0.22) * H))
                x += rx * 1.2
            _blob(draw, puffs, col, _dark(col, 0.88), lw)
            draw.rectangle([0, level + 0.06 * H, cw, ch], fill=col)
            if k == 1:
                for _ in range(int(rng.integers(4, 9))):
                    _tree(draw, rng, rng.uniform(0, cw), level + rng.uniform(0.02, 0.06) * H,
                          rng.uniform(0.18, 0.3) * H, pal["tree"], pal["trunk"], lw)
        # a path winding to the front
        px = rng.uniform(0.2, 0.8) * cw
        draw.polygon([(px - 4 * u, levels[2]), (px + 4 * u, levels[2]), (px + 40 * u, ch), (px - 20 * u, ch)],
                     fill=pal["path"], outline=_dark(pal["path"], 0.8), width=lw)
        for _ in range(int(rng.integers(2, 5))):
            _tree(draw, rng, rng.uniform(0, cw), fy + rng.uniform(-0.02, 0.06) * H,
                  rng.uniform(0.45, 0.7) * H, _dark(pal["tree"], 0.9), pal["trunk"], lw)
    else:
        sea = pal["sea"]
        beach = fy - rng.uniform(0.08, 0.14) * H
        _bands(draw, 0, horizon, cw, beach, sea[0], sea[2], 3)
        draw.line([(0, horizon), (cw, horizon)], fill=_dark(sea[0], 0.8), width=lw)
        for _ in range(int(60 * cw / 320)):
            x, y = rng.uniform(0, cw), rng.uniform(horizon + 2 * u, beach - 2 * u)
            draw.line([(x, y), (x + rng.uniform(3, 8) * u, y)], fill=_light(sea[1], 0.45), width=1)
        for k in range(12):  # sun reflection
            y = horizon + 3 * u + k * (beach - horizon) / 12
            w = (k + 2) * 1.2 * u
            draw.line([(sx - w, y), (sx + w, y)], fill=_light(pal["sun"], 0.2), width=1)
        # islands on the horizon
        for _ in range(int(rng.integers(1, 3))):
            ix = rng.uniform(0, cw)
            iw = rng.uniform(20, 50) * u
            draw.pieslice([ix - iw, horizon - 0.08 * H, ix + iw, horizon + 0.08 * H], 180, 360, fill=pal["far"])
        draw.rectangle([0, beach, cw, beach + 4 * u], fill=(250, 250, 250))
        draw.rectangle([0, beach + 4 * u, cw, beach + 9 * u], fill=pal["wet"])
        draw.rectangle([0, beach + 9 * u, cw, ch], fill=pal["sand"])
        for _ in range(int(rng.integers(2, 5))):
            x, y = rng.uniform(0, cw), rng.uniform(beach + 12 * u, ch)
            r = rng.uniform(5, 12) * u
            _blob(draw, [(x, y, r, r * 0.6), (x + r * 0.6, y + r * 0.2, r * 0.6, r * 0.4)], pal["rock"],
                  _dark(pal["rock"], 0.8), lw)
        for _ in range(int(rng.integers(1, 3))):  # palm trees
            x = rng.uniform(0, cw)
            base, top = fy + 0.04 * H, fy - 0.75 * H
            lean = rng.uniform(-15, 15) * u
            draw.line([(x, base), (x + lean * 0.5, (base + top) / 2), (x + lean, top)], fill=OUTLINE, width=int(5 * u))
            draw.line([(x, base), (x + lean * 0.5, (base + top) / 2), (x + lean, top)], fill=pal["trunk"],
                      width=max(1, int(3 * u)))
            cx_, cy_ = x + lean, top
            for a in np.linspace(-math.pi * 0.95, -math.pi * 0.05, 6) + rng.uniform(-0.15, 0.15):
                L = rng.uniform(20, 28) * u
                ex, ey = cx_ + math.cos(a) * L, cy_ + math.sin(a) * L * 0.4 + 0.6 * L * abs(math.cos(a))
                mx_, my_ = (cx_ + ex) / 2, (cy_ + ey) / 2 - 4 * u
                nx_, ny_ = -(ey - cy_) / L * 4 * u, (ex - cx_) / L * 4 * u
                draw.polygon([(cx_, cy_), (mx_ + nx_, my_ + ny_), (ex, ey), (mx_ - nx_, my_ - ny_)],
                             fill=pal["tree"], outline=OUTLINE, width=lw)
                draw.line([(cx_, cy_), (mx_, my_), (ex, ey)], fill=_dark(pal["tree"], 0.7), width=1)
            draw.ellipse([cx_ - 3 * u, cy_ - 2 * u, cx_ + 3 * u, cy_ + 4 * u], fill=(120, 80, 40), outline=OUTLINE,
                         width=lw)


def _draw_night(draw, rng, pal, cw, ch, u, lw, fy, W, H):
    horizon = fy - rng.uniform(0.1, 0.2) * H
    _bands(draw, 0, 0, cw, horizon, pal["top"], pal["bottom"], 5)
    for _ in range(int(70 * cw / 320)):
        x, y = rng.uniform(0, cw), rng.uniform(0, 0.7) * horizon
        if rng.random() < 0.2:
            s = 2 * u
            draw.line([(x - s, y), (x + s, y)], fill=(255, 255, 230), width=1)
            draw.line([(x, y - s), (x, y + s)], fill=(255, 255, 230), width=1)
        else:
            draw.point((x, y), fill=(230, 230, 250))
    mx, my, r = rng.uniform(0.1, 0.9) * cw, rng.uniform(0.15, 0.35) * horizon, rng.uniform(8, 13) * u
    draw.ellipse([mx - 1.6 * r, my - 1.6 * r, mx + 1.6 * r, my + 1.6 * r], fill=_mix(pal["moon"], pal["top"], 0.75))
    draw.ellipse([mx - r, my - r, mx + r, my + r], fill=pal["moon"], outline=_dark(pal["moon"], 0.7), width=lw)
    for _ in range(3):
        cx, cy = mx + rng.uniform(-0.5, 0.5) * r, my + rng.uniform(-0.5, 0.5) * r
        cr = r * rng.uniform(0.12, 0.25)
        draw.ellipse([cx - cr, cy - cr, cx + cr, cy + cr], fill=_dark(pal["moon"], 0.88))
    sil = pal["sil"]
    if pal["variant"] == "town":
        x = -rng.uniform(0, 20) * u
        while x < cw:
            bw = rng.uniform(22, 48) * u
            bh = rng.uniform(0.35, 0.95) * H
            col = _jitter(sil, rng, 6)
            draw.rectangle([x, horizon - bh, x + bw, horizon], fill=col, outline=_dark(col, 0.6), width=lw)
            _windows(draw, rng, x, horizon - bh, x + bw, horizon - 6 * u, u, _dark(col, 0.8), pal["lit"], 0.3, lw)
            x += bw + rng.uniform(0, 5) * u
        draw.rectangle([0, horizon, cw, ch], fill=pal["ground"])
        draw.rectangle([0, horizon, cw, horizon + 3 * u], fill=_light(pal["ground"], 0.2), outline=OUTLINE, width=lw)
        for _ in range(int(rng.integers(2, 4))):  # street lamps with pools of light
            lx = rng.uniform(0, cw)
            top = horizon - 0.55 * H
            pool = _mix(pal["ground"], pal["lamp"], 0.35)
            draw.polygon([(lx - 3 * u, top + 4 * u), (lx + 3 * u, top + 4 * u), (lx + 24 * u, fy + 0.08 * H),
                          (lx - 24 * u, fy + 0.08 * H)], fill=_mix(pal["bottom"], pal["lamp"], 0.12))
            draw.ellipse([lx - 32 * u, fy + 0.04 * H, lx + 32 * u, fy + 0.12 * H], fill=pool)
            draw.rectangle([lx - u, top, lx + u, horizon + 6 * u], fill=(20, 20, 30))
            draw.ellipse([lx - 4 * u, top - 2 * u, lx + 4 * u, top + 5 * u], fill=pal["lamp"], outline=OUTLINE, width=lw)
    else:
        for k, level in enumerate((horizon - 0.12 * H, horizon)):
            col = _mix(sil, pal["bottom"], 0.25 * (1 - k))
            puffs = []
            x = -rng.uniform(0, 40) * u
            while x < cw + 40 * u:
                rx = rng.uniform(40, 80) * u
                puffs.append((x, level + 0.05 * H, rx, rng.uniform(0.1, 0.2) * H))
                x += rx * 1.3
            _blob(draw, puffs, col, _dark(col, 0.85), lw)
            draw.rectangle([0, level + 0.06 * H, cw, ch], fill=col)
        draw.rectangle([0, horizon + 0.04 * H, cw, ch], fill=pal["ground"])
        hx = rng.uniform(0.1, 0.8) * cw  # a house with lit windows
        hy = horizon + 0.04 * H
        hw, hh = 36 * u, 24 * u
        draw.rectangle([hx, hy - hh, hx + hw, hy], fill=_dark(sil, 0.8), outline=OUTLINE, width=lw)
        draw.polygon([(hx - 4 * u, hy - hh), (hx + hw / 2, hy - hh - 14 * u), (hx + hw + 4 * u, hy - hh)],
                     fill=_dark(sil, 0.6), outline=OUTLINE, width=lw)
        for k in range(2):
            wx = hx + 6 * u + k * 16 * u
            draw.rectangle([wx, hy - hh + 6 * u, wx + 8 * u, hy - hh + 14 * u], fill=pal["lit"], outline=OUTLINE, width=1)
        for _ in range(int(rng.integers(1, 3))):
            _tree(draw, rng, rng.uniform(0, cw), horizon + 0.06 * H, rng.uniform(0.3, 0.5) * H,
                  _dark(sil, 0.7), _dark(sil, 0.5), lw)
        for _ in range(int(30 * cw / 320)):  # fireflies
            x, y = rng.uniform(0, cw), rng.uniform(horizon + 0.05 * H, ch)
            rr = max(1.0, 1.2 * u)
            draw.ellipse([x - rr, y - rr, x + rr, y + rr], fill=pal["lit"])


@functools.lru_cache(maxsize=16)
def _setting_distances(seed: int) -> np.ndarray:
    """Mean absolute difference between 16x12 thumbnails of the world's settings.

    Drawn at a fixed reference size, so that the shot plan does not depend on the frame size.
    """
    world = _make_world(seed, 96, 72)
    sig = [np.asarray(_render_setting(s, world).resize((16, 12), Image.BOX), dtype=np.float32)
           for s in world.settings]
    return np.array([[float(np.abs(a - b).mean()) for b in sig] for a in sig])
