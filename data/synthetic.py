"""Deterministic synthetic anime-like clips with exact scene-change ground truth.

This is the project's bundled sample: the default data of the training, inference and
scoring scripts, of the demo and of the tests. It draws cel-style art (flat colours, dark
outlines, banded "flat-shaded" skies) with PIL and numpy only, so it needs no download.

Structure
---------
* A *world* (from ``seed``) is a library of ``NUM_SETTINGS`` settings (backgrounds of five
  kinds: open sky / rooftop, city street, room, landscape (hills or sea), night) and
  ``NUM_CHARACTERS`` outlined characters. Each setting is drawn once, lazily, on a canvas
  twice as wide and 1.5 times as tall as the frame; frames are crops of it (pans) or
  scaled crops (zooms) with the characters drawn on top.
* A *clip* is a shot plan drawn from a seeded RNG (``seed`` and ``variant``), made first;
  frames are rendered second, lazily, one by one (``iter_clip_frames``). ``write_sample``
  uses one world and two variants, so its train and val clips share settings and
  characters (as training and testing on one film) but have different shot sequences.

Label convention
----------------
A change at pair index ``i`` means "the scene changes between frame ``i`` and ``i+1``".
* Hard cut, frame ``k`` first frame of the new setting: ``start=k-1, end=k, label=k-1``.
* Gradual transition whose blended frames are ``a..b`` (first and last frame that mix
  both settings, or show black/white in between): ``start=a, end=b, label=(a+b)//2``.
So ``label == (start + end) // 2`` for every entry of ``transitions``.
``non_changes`` (traps, never labelled): ``character_cut`` (same setting, other
characters, a moderate camera offset; ``start=k-1, end=k`` like a cut),
``in_shot_flash`` (first..last brightened frame), ``fast_pan`` and ``zoom`` (first..last
frame of the camera move).
``shot_setting[f]`` is the setting id of frame ``f``; inside a gradual transition frames
up to the label belong to the outgoing setting, later ones to the incoming one.
"""

from __future__ import annotations

import argparse
import colorsys
import functools
import json
import math
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np
from PIL import Image, ImageDraw

TRANSITION_KINDS = ("cut", "dissolve", "fade", "flash", "wipe", "iris", "push", "whip")
GRADUAL_KINDS = TRANSITION_KINDS[1:]
NON_CHANGE_KINDS = ("character_cut", "in_shot_flash", "fast_pan", "zoom")
SETTING_KINDS = ("sky", "city", "room", "landscape", "night")
NUM_SETTINGS = 12
NUM_CHARACTERS = 6
SAMPLE_VERSION = 1

# Probabilities of the shot plan.
P_CHARACTER_CUT = 0.25       # a boundary keeps the setting and swaps the characters
P_HARD_CUT = 0.55            # among setting changes (hard_cases=True); the rest are gradual
P_REVISIT = 0.35             # a new setting is one already seen earlier in the clip
MIN_SETTING_DISTANCE = 40.0  # consecutive settings differ at least this much (16x12 thumbnails, 0-255)
P_IN_SHOT_FLASH = 0.2       # per static / slow-pan shot (hard_cases=True)

OUTLINE = (32, 24, 40)
SUPERSAMPLE = 2              # settings and characters are drawn at 2x and box-filtered down (anti-aliasing)
_SEED_TAG = 0x5EED


# ----------------------------------------------------------------------------- colours


def _rgb(c) -> tuple:
    return tuple(int(max(0, min(255, round(v)))) for v in c)


def _mix(a, b, t: float) -> tuple:
    return _rgb(a[i] + (b[i] - a[i]) * t for i in range(3))


def _dark(c, f: float = 0.75) -> tuple:
    return _rgb(v * f for v in c)


def _light(c, t: float = 0.3) -> tuple:
    return _mix(c, (255, 255, 255), t)


def _hsv(h: float, s: float, v: float) -> tuple:
    return _rgb(x * 255 for x in colorsys.hsv_to_rgb(h % 1.0, s, v))


def _jitter(c, rng, amount: float = 10.0) -> tuple:
    return _rgb(v + rng.uniform(-amount, amount) for v in c)


# Palette presets per setting kind: settings of one kind take different presets, so they
# differ clearly in palette as well as in (random) layout.
_SKY_PRESETS = [
    dict(name="noon", top=(62, 122, 212), bottom=(172, 214, 246), cloud=(252, 252, 255),
         cloud_shade=(196, 210, 236), ground=(172, 176, 170), grass=(104, 178, 88), far=(140, 170, 200)),
    dict(name="sunset", top=(92, 66, 150), bottom=(252, 168, 92), cloud=(255, 212, 168),
         cloud_shade=(214, 126, 122), ground=(150, 120, 120), grass=(160, 130, 70), far=(150, 100, 140)),
    dict(name="dusk", top=(56, 76, 150), bottom=(246, 158, 186), cloud=(250, 222, 232),
         cloud_shade=(186, 148, 192), ground=(130, 122, 150), grass=(96, 120, 110), far=(120, 110, 170)),
    dict(name="mint", top=(84, 168, 178), bottom=(226, 242, 212), cloud=(255, 255, 244),
         cloud_shade=(186, 214, 204), ground=(196, 190, 170), grass=(150, 200, 90), far=(150, 196, 190)),
]
_CITY_PRESETS = [
    dict(name="day", top=(80, 140, 220), bottom=(190, 222, 248),
         buildings=[(206, 194, 172), (162, 172, 190), (184, 118, 98), (220, 210, 192), (150, 160, 150)],
         window=(120, 160, 200), lit=(250, 240, 190), walk=(196, 192, 186), road=(90, 92, 100)),
    dict(name="evening", top=(70, 56, 120), bottom=(246, 150, 100),
         buildings=[(120, 90, 120), (150, 100, 110), (96, 86, 130), (170, 120, 120), (110, 100, 100)],
         window=(70, 60, 90), lit=(255, 210, 120), walk=(140, 110, 120), road=(60, 50, 70)),
    dict(name="overcast", top=(150, 168, 172), bottom=(210, 218, 214),
         buildings=[(120, 140, 130), (160, 170, 150), (96, 110, 116), (180, 176, 160), (130, 120, 110)],
         window=(80, 96, 104), lit=(230, 236, 200), walk=(170, 170, 160), road=(84, 88, 86)),
    dict(name="golden", top=(236, 182, 90), bottom=(252, 236, 170),
         buildings=[(196, 140, 90), (220, 180, 120), (170, 110, 80), (236, 206, 150), (150, 120, 100)],
         window=(140, 90, 70), lit=(255, 250, 210), walk=(220, 196, 150), road=(120, 96, 80)),
]
_ROOM_PRESETS = [
    dict(name="cream", wall=(240, 226, 190), trim=(190, 150, 110), floor=(176, 120, 74), floor2=(156, 102, 60),
         accents=[(70, 110, 170), (200, 70, 70), (90, 150, 100), (230, 190, 80)], sky=((120, 180, 240), (200, 230, 250))),
    dict(name="blue", wall=(168, 200, 226), trim=(240, 244, 248), floor=(150, 150, 160), floor2=(132, 132, 144),
         accents=[(240, 170, 70), (250, 250, 250), (90, 90, 120), (220, 110, 130)], sky=((250, 160, 100), (255, 220, 160))),
    dict(name="pink", wall=(246, 196, 206), trim=(255, 240, 240), floor=(222, 190, 146), floor2=(204, 170, 126),
         accents=[(140, 100, 180), (100, 180, 190), (250, 250, 230), (240, 120, 150)], sky=((110, 160, 230), (190, 220, 250))),
    dict(name="green", wall=(170, 196, 150), trim=(110, 80, 60), floor=(110, 74, 56), floor2=(94, 62, 46),
         accents=[(230, 210, 160), (180, 60, 50), (60, 80, 110), (240, 240, 220)], sky=((40, 50, 110), (90, 90, 160))),
]
_LAND_PRESETS = [
    dict(name="spring", variant="hills", top=(70, 150, 230), bottom=(196, 230, 250), sun=(255, 250, 220),
         far=(150, 180, 210), hills=[(120, 190, 90), (90, 164, 76), (66, 136, 64)], tree=(50, 120, 60),
         trunk=(120, 80, 50), path=(220, 200, 150)),
    dict(name="autumn", variant="hills", top=(240, 190, 110), bottom=(252, 236, 190), sun=(255, 240, 200),
         far=(200, 150, 140), hills=[(220, 150, 70), (200, 110, 60), (160, 80, 50)], tree=(210, 80, 50),
         trunk=(90, 60, 50), path=(236, 216, 170)),
    dict(name="seaside", variant="sea", top=(40, 130, 220), bottom=(180, 226, 250), sun=(255, 255, 230),
         far=(130, 170, 200), sea=[(40, 110, 190), (60, 140, 210), (90, 180, 230)], sand=(240, 220, 160),
         wet=(210, 186, 130), rock=(130, 130, 140), tree=(60, 150, 80), trunk=(140, 100, 60)),
    dict(name="sunset_sea", variant="sea", top=(110, 60, 130), bottom=(255, 150, 80), sun=(255, 230, 120),
         far=(140, 80, 120), sea=[(90, 50, 110), (130, 70, 120), (200, 110, 110)], sand=(200, 140, 110),
         wet=(160, 100, 100), rock=(80, 60, 80), tree=(60, 50, 70), trunk=(60, 40, 50)),
]
_NIGHT_PRESETS = [
    dict(name="navy", variant="town", top=(12, 18, 52), bottom=(40, 60, 120), sil=(30, 36, 70),
         lit=(255, 220, 120), moon=(250, 246, 210), ground=(40, 40, 60), lamp=(255, 236, 170)),
    dict(name="purple", variant="town", top=(30, 10, 50), bottom=(110, 50, 120), sil=(50, 30, 70),
         lit=(255, 150, 210), moon=(255, 220, 240), ground=(50, 36, 66), lamp=(255, 180, 230)),
    dict(name="teal", variant="hills", top=(6, 30, 40), bottom=(30, 90, 100), sil=(14, 50, 56),
         lit=(250, 250, 170), moon=(240, 255, 250), ground=(20, 60, 60), lamp=(210, 255, 200)),
    dict(name="ember", variant="hills", top=(30, 8, 16), bottom=(120, 40, 40), sil=(50, 16, 24),
         lit=(255, 190, 90), moon=(255, 140, 90), ground=(60, 20, 30), lamp=(255, 200, 120)),
]
_PRESETS = dict(sky=_SKY_PRESETS, city=_CITY_PRESETS, room=_ROOM_PRESETS,
                landscape=_LAND_PRESETS, night=_NIGHT_PRESETS)


# ----------------------------------------------------------------------------- world


@dataclass
class _SettingSpec:
    sid: int
    kind: str
    preset: int
    floor_y: float          # canvas y where the characters stand
    seed: tuple             # RNG seed of its layout


@dataclass
class _CharacterSpec:
    cid: int
    skin: tuple
    hair: tuple
    hair_style: int         # 0 bob, 1 spiky, 2 long, 3 twin tails
    eyes: tuple
    top: tuple              # shirt / dress colour
    bottom: tuple           # trousers / legs colour
    accent: tuple           # collar / tie / ribbon
    outfit: int             # 0 shirt+trousers, 1 dress, 2 uniform
    height: float
    width: float


@dataclass
class _World:
    seed: int
    width: int
    height: int
    canvas_w: int
    canvas_h: int
    settings: list
    characters: list


def _make_world(seed: int, width: int, height: int) -> _World:
    rng = np.random.default_rng([_SEED_TAG, int(seed), 1])
    cw, ch = 2 * width, int(round(1.5 * height))
    kinds = [SETTING_KINDS[i % len(SETTING_KINDS)] for i in range(NUM_SETTINGS)]
    kinds = [kinds[i] for i in rng.permutation(NUM_SETTINGS)]
    preset_perm = {k: list(rng.permutation(len(_PRESETS[k]))) for k in SETTING_KINDS}
    used = {k: 0 for k in SETTING_KINDS}
    settings = []
    for sid, kind in enumerate(kinds):
        presets = preset_perm[kind]
        preset = int(presets[used[kind] % len(presets)])
        used[kind] += 1
        floor_y = ch - rng.uniform(0.10, 0.22) * height
        settings.append(_SettingSpec(sid, kind, preset, float(floor_y), (_SEED_TAG, int(seed), 3, sid)))

    skins = [(255, 228, 206), (246, 210, 180), (226, 180, 140), (180, 130, 96), (255, 236, 220)]
    chars = []
    hue0 = rng.uniform()
    for cid in range(NUM_CHARACTERS):
        h = hue0 + cid * 0.618034
        hair_choices = [_hsv(h, 0.65, 0.55), _hsv(h + 0.5, 0.5, 0.9), (40, 34, 40), (250, 226, 140),
                        (150, 80, 40), _hsv(h + 0.2, 0.45, 0.95)]
        chars.append(_CharacterSpec(
            cid=cid,
            skin=skins[int(rng.integers(len(skins)))],
            hair=hair_choices[cid % len(hair_choices)],
            hair_style=int((cid + rng.integers(2)) % 4),
            eyes=_hsv(h + 0.33, 0.7, 0.7),
            top=_hsv(h + 0.15, rng.uniform(0.45, 0.8), rng.uniform(0.7, 0.95)),
            bottom=_hsv(h + 0.6, rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.6)),
            accent=_hsv(h + 0.05, 0.8, 0.9),
            outfit=int(rng.integers(3)),
            height=float(rng.uniform(0.88, 1.1)),
            width=float(rng.uniform(0.9, 1.15)),
        ))
    return _World(int(seed), width, height, cw, ch, settings, chars)


# ----------------------------------------------------------------------------- drawing helpers


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
    if shade is not None and x1 - x0 > 4 * lw:
        sx = x1 - (x1 - x0) * shade_frac
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


# ----------------------------------------------------------------------------- settings


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


# ----------------------------------------------------------------------------- characters


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


# ----------------------------------------------------------------------------- shot plan


def _smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


@dataclass
class _Camera:
    cx0: float
    cy0: float
    vx: float = 0.0
    vy: float = 0.0
    pan_t0: int = 0
    pan_t1: int = 0
    pan_dx: float = 0.0
    zoom_t0: int = 0
    zoom_t1: int = 0
    z0: float = 1.0
    z1: float = 1.0

    def at(self, t: float):
        cx = self.cx0 + self.vx * t
        cy = self.cy0 + self.vy * t
        if self.pan_t1 > self.pan_t0:
            cx += self.pan_dx * _smoothstep((t - self.pan_t0) / (self.pan_t1 - self.pan_t0))
        z = self.z0
        if self.zoom_t1 > self.zoom_t0:
            z = self.z0 + (self.z1 - self.z0) * _smoothstep((t - self.zoom_t0) / (self.zoom_t1 - self.zoom_t0))
        return cx, cy, z


@dataclass
class _Actor:
    char: int
    x0: float               # canvas x at local time 0
    vx: float               # canvas px per frame (0: standing)
    dy: float
    bob: float              # bob amplitude, fraction of the height
    bob_period: float
    phase: float
    facing: int
    size: float = 1.0       # height multiplier (a character in front of the camera is larger)


@dataclass
class _Shot:
    setting: int
    render_start: int
    render_end: int
    pure_start: int
    pure_end: int
    mode: str
    camera: _Camera
    actors: list
    flash: Optional[dict] = None     # {"start": global frame, "alphas": [...], "tint": (r, g, b)}
    events: list = field(default_factory=list)   # non-change traps inside the shot (global frames)


@dataclass
class _Boundary:
    kind: str               # a transition kind or "character_cut"
    a: int                  # first blended frame (cuts: first frame of the new shot)
    b: int                  # last blended frame (cuts: a - 1)
    label: int
    prev: int
    next: int
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class SyntheticClipTruth:
    """Ground truth of a clip, known before any frame is rendered."""
    num_frames: int
    width: int
    height: int
    fps: int
    seed: int
    variant: int
    hard_cases: bool
    change_pairs: np.ndarray        # int64, sorted: scene changes between frame i and i+1
    transitions: list               # {"kind", "start", "end", "label"}
    non_changes: list               # {"kind", "start", "end"}
    shot_setting: np.ndarray        # int64 per frame
    shots: list                     # {"start", "end" (first/last unblended frame), "setting", "setting_kind",
                                    #  "characters", "camera"}
    settings: list                  # {"id", "kind", "palette"} of the world's library

    def to_json(self) -> dict:
        return dict(num_frames=self.num_frames, width=self.width, height=self.height, fps=self.fps,
                    seed=self.seed, variant=self.variant, hard_cases=self.hard_cases,
                    change_pairs=[int(x) for x in self.change_pairs], transitions=self.transitions,
                    non_changes=self.non_changes, shot_setting=[int(x) for x in self.shot_setting],
                    shots=self.shots, settings=self.settings)


@dataclass(eq=False)
class SyntheticClip:
    """A rendered clip: frames (N x H x W x 3 uint8) and its ground truth."""
    frames: np.ndarray
    change_pairs: np.ndarray
    transitions: list
    non_changes: list
    shot_setting: np.ndarray
    shots: list = field(default_factory=list)
    fps: int = 24
    truth: Optional[SyntheticClipTruth] = None


def _pick_actors(world, rng, cam: _Camera, T, n, exclude, standing, fps, front=False):
    W, H = world.width, world.height
    sp = (W / 160.0) * (24.0 / fps)
    pool = [c for c in range(NUM_CHARACTERS) if c not in exclude]
    chosen = [int(x) for x in rng.choice(pool, size=min(n, len(pool)), replace=False)]
    cxm, _, _ = cam.at(T / 2)
    actors = []
    slots = np.linspace(-0.25, 0.25, len(chosen)) if len(chosen) > 1 else [rng.uniform(-0.15, 0.15)]
    for k, cid in enumerate(chosen):
        walk = (not standing) and rng.random() < 0.45
        if walk:
            v = float(rng.choice([-1, 1]) * rng.uniform(0.6, 1.4) * sp)
            xm = cxm + slots[k] * W
            x0 = xm - v * T / 2
            facing = 1 if v > 0 else -1
        else:
            v = 0.0
            x0 = cxm + (slots[k] + rng.uniform(-0.05, 0.05)) * W
            facing = int(rng.choice([-1, 1]))
        actors.append(_Actor(cid, float(x0), v, float(rng.uniform(0, 0.05) * H), float(rng.uniform(0.004, 0.015)),
                             float(rng.uniform(0.6, 1.6) * fps), float(rng.uniform(0, 2 * math.pi)), facing,
                             float(rng.uniform(0.9, 1.1))))
    if front and actors:
        # the character in front: standing near the middle, closer to the camera (larger, lower)
        a = actors[0]
        a.vx = 0.0
        a.x0 = float(cxm + rng.uniform(-0.2, 0.2) * W)
        a.size = float(rng.uniform(1.2, 1.45))
        a.dy = float(rng.uniform(0.07, 0.12) * H)
        for b in actors[1:]:
            if abs(b.x0 - a.x0) < 0.2 * W and b.vx == 0.0:
                b.x0 = a.x0 + (0.3 * W if b.x0 >= a.x0 else -0.3 * W)
    actors.sort(key=lambda a: a.dy)
    return actors


def _plan(world: _World, num_frames: int, rng, fps: int, hard_cases: bool):
    W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
    N = num_frames
    sp = (W / 160.0) * (24.0 / fps)
    xlo, xhi = W / 2.0, cw - W / 2.0
    ylo, yhi = H / 2.0, ch - H / 2.0
    shots: list = []
    bounds: list = []
    kind_of = [s.kind for s in world.settings]
    dist = _setting_distances(world.seed)
    setting = int(rng.integers(NUM_SETTINGS))
    visited = [setting]
    cursor = 0
    incoming: Optional[_Boundary] = None
    deck: list = []
    while True:
        # Every random draw below is made whatever num_frames is, and the shot is planned at
        # its full length: a clip is then a prefix of any longer clip of the same arguments
        # (up to the boundary that no longer fits, where the shorter clip holds its last shot).
        L = int(rng.integers(round(1.5 * fps), round(6 * fps) + 1))
        pure_start = cursor
        pure_end = cursor + L - 1
        if rng.random() < P_CHARACTER_CUT:
            okind, G = "character_cut", 0
        elif (not hard_cases) or rng.random() < P_HARD_CUT:
            okind, G = "cut", 0
        else:
            if not deck:        # a shuffled deck: every run of 7 gradual transitions has each kind
                deck = [int(k) for k in rng.permutation(len(GRADUAL_KINDS))]
            okind = GRADUAL_KINDS[deck.pop()]
            G = int(rng.integers(round(0.5 * fps), round(1.5 * fps) + 1))
        last = pure_end + G + round(0.5 * fps) > N - 1      # no room for the boundary and 0.5 s after it
        in_g = (incoming.b - incoming.a + 1) if incoming is not None and incoming.kind in GRADUAL_KINDS else 0
        render_start = pure_start - in_g
        T = pure_end + G - render_start + 1
        lp0, lp1 = in_g, in_g + (pure_end - pure_start)
        cc_in = incoming is not None and incoming.kind == "character_cut"
        cc_out = okind == "character_cut"
        spec = world.settings[setting]

        # camera mode
        if cc_in or cc_out:
            modes, probs = ["static", "slow_pan"], [0.5, 0.5]
        elif hard_cases:
            modes = ["static", "slow_pan", "slow_tilt", "fast_pan", "zoom_in", "zoom_out"]
            probs = [0.25, 0.3, 0.08, 0.15, 0.11, 0.11]
        else:
            modes, probs = ["static", "slow_pan", "slow_tilt"], [0.4, 0.45, 0.15]
        mode = str(rng.choice(modes, p=probs))
        pure_len = lp1 - lp0 + 1
        if mode == "fast_pan" and pure_len < round(0.4 * fps) + 8:
            mode = "static"
        if mode in ("zoom_in", "zoom_out") and pure_len < round(0.5 * fps) + 8:
            mode = "static"

        cy = spec.floor_y - rng.uniform(0.72, 0.92) * H + H / 2
        cy = min(yhi, max(ylo, cy))
        if cc_in:
            prev_cam = shots[-1].camera
            pcx, pcy, _ = prev_cam.at(shots[-1].render_end - shots[-1].render_start)
            off = (rng.uniform(0.02, 0.05) * W * rng.choice([-1, 1])) if rng.random() < 0.4 else 0.0
            if not (xlo <= pcx + off <= xhi):
                off = -off
            cx = min(xhi, max(xlo, pcx + off))
            cy = min(yhi, max(ylo, pcy + (rng.uniform(-0.03, 0.03) * H if off else 0.0)))
        else:
            cx = rng.uniform(xlo, xhi)
        cam = _Camera(cx, cy)
        events = []
        if mode == "slow_pan":
            v = rng.uniform(0.25, 0.9) * sp
            room_r, room_l = xhi - cx, cx - xlo
            direction = 1 if (room_r > room_l if cc_in else rng.random() < 0.5) else -1
            if not cc_in:
                travel = min(v * (T - 1), 0.95 * (xhi - xlo))
                v = travel / max(1, T - 1)
                cx = rng.uniform(xlo + travel, xhi) if direction < 0 else rng.uniform(xlo, xhi - travel)
            else:
                room = room_r if direction > 0 else room_l
                v = min(v, room / max(1, T - 1))
            cam = _Camera(cx, cy, vx=direction * v)
        elif mode == "slow_tilt":
            v = rng.uniform(0.15, 0.45) * sp
            travel = min(v * (T - 1), 0.95 * (yhi - ylo))
            v = travel / max(1, T - 1)
            if rng.random() < 0.5:      # tilt down from the sky to the ground
                cam = _Camera(cx, rng.uniform(ylo, yhi - travel), vy=v)
            else:
                cam = _Camera(cx, rng.uniform(ylo + travel, yhi), vy=-v)
        elif mode == "fast_pan":
            d = int(rng.integers(round(0.4 * fps), round(0.8 * fps) + 1))
            d = min(d, pure_len - 8)
            t0 = int(rng.integers(lp0 + 3, lp1 - d - 3 + 1))
            dx = rng.uniform(0.55, 0.95) * (xhi - xlo) * rng.choice([-1, 1])
            cx = rng.uniform(xlo - min(0, dx), xhi - max(0, dx))
            cam = _Camera(cx, cy, pan_t0=t0, pan_t1=t0 + d, pan_dx=float(dx))
            events.append(dict(kind="fast_pan", start=render_start + t0, end=render_start + t0 + d))
        elif mode in ("zoom_in", "zoom_out"):
            d = int(rng.integers(round(0.5 * fps), round(1.5 * fps) + 1))
            d = min(d, pure_len - 8)
            t0 = int(rng.integers(lp0 + 3, lp1 - d - 3 + 1))
            zt = float(rng.uniform(1.35, 1.9))
            z0, z1 = (1.0, zt) if mode == "zoom_in" else (zt, 1.0)
            cam = _Camera(cx, cy, zoom_t0=t0, zoom_t1=t0 + d, z0=z0, z1=z1)
            events.append(dict(kind="zoom", start=render_start + t0, end=render_start + t0 + d))

        # characters
        n_chars = int(rng.choice([0, 1, 2], p=[0.12, 0.55, 0.33]))
        if cc_in or cc_out:
            n_chars = max(1, n_chars)
        exclude = {a.char for a in shots[-1].actors} if cc_in else set()
        actors = _pick_actors(world, rng, cam, T, n_chars, exclude, mode.startswith("zoom"), fps,
                              front=cc_in or cc_out)

        # an in-shot flash (lightning / explosion): a trap, not a scene change
        flash = None
        if hard_cases and mode in ("static", "slow_pan") and rng.random() < P_IN_SHOT_FLASH and pure_len >= 16:
            n = int(rng.integers(3, 7))
            t0 = int(rng.integers(lp0 + 4, lp1 - n - 4 + 1))
            alphas = [float(a) for a in rng.uniform(0.35, 0.95, size=n)]
            alphas[-1] = min(alphas[-1], 0.3)
            tint = (236, 242, 255) if rng.random() < 0.5 else (255, 238, 205)
            flash = dict(start=render_start + t0, alphas=alphas, tint=tint)
            events.append(dict(kind="in_shot_flash", start=render_start + t0, end=render_start + t0 + n - 1))

        if last:        # the clip ends inside this shot (which is cut short or held to the end)
            pure_end = render_end = N - 1
            events = [dict(e, end=min(e["end"], N - 1)) for e in events if e["start"] <= N - 1]
        else:
            render_end = pure_end + G
        shot = _Shot(setting, render_start, render_end, pure_start, pure_end, mode, cam, actors, flash, events)
        shots.append(shot)
        if last:
            break

        # the boundary to the next shot
        if okind == "character_cut":
            nxt = setting
        else:
            # another kind of setting, and one whose colours differ clearly from this one's
            cands = [s for s in range(NUM_SETTINGS) if kind_of[s] != kind_of[setting]]
            far = [s for s in cands if dist[setting, s] >= MIN_SETTING_DISTANCE]
            cands = far if far else sorted(cands, key=lambda s: -dist[setting, s])[:max(1, len(cands) // 2)]
            seen = [s for s in cands if s in visited]
            if seen and rng.random() < P_REVISIT:
                nxt = int(rng.choice(seen))
            else:
                nxt = int(rng.choice(cands))
        if G > 0:
            a, b = pure_end + 1, pure_end + G
            label = (a + b) // 2
        else:
            a, b = pure_end + 1, pure_end
            label = pure_end
        params = {}
        if okind == "wipe":
            params["angle"] = float(rng.choice([0, 90, 180, 270, 30, 150, 210, 330]))
        elif okind == "iris":
            params["mode"] = str(rng.choice(["open", "close_open"]))
            params["center"] = (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7)))
        elif okind == "push":
            params["direction"] = str(rng.choice(["left", "right", "up", "down"]))
        elif okind == "whip":
            params["direction"] = int(rng.choice([-1, 1]))
        bounds.append(_Boundary(okind, a, b, label, len(shots) - 1, len(shots), params))
        incoming = bounds[-1]
        setting = nxt
        if nxt not in visited:
            visited.append(nxt)
        cursor = b + 1
    return shots, bounds


# ----------------------------------------------------------------------------- rendering


def _hblur(x: np.ndarray, k: int) -> np.ndarray:
    """Horizontal box blur of a float32 H x W x 3 image (edge padded), kernel k pixels."""
    if k <= 1:
        return x
    left = k // 2
    p = np.pad(x, ((0, 0), (left, k - 1 - left), (0, 0)), mode="edge")
    c = np.cumsum(p, axis=1, dtype=np.float64)
    c = np.concatenate([np.zeros_like(c[:, :1]), c], axis=1)
    return ((c[:, k:] - c[:, :-k]) / k).astype(np.float32)


def _hshift(x: np.ndarray, s: float) -> np.ndarray:
    """Shift an image horizontally by s pixels (content moves right for s > 0), edge clamped."""
    w = x.shape[1]
    idx = np.clip(np.arange(w) - int(round(s)), 0, w - 1)
    return x[:, idx]


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


class _Renderer:
    def __init__(self, world: _World, shots, bounds, num_frames, cache_size=4):
        self.world = world
        self.shots = shots
        self.bounds = bounds
        self.N = num_frames
        self.cache: OrderedDict = OrderedDict()
        self.cache_size = cache_size
        W, H = world.width, world.height
        self._yy, self._xx = np.mgrid[0:H, 0:W].astype(np.float32)
        # frame -> (shot index, boundary index or -1)
        self.frame_shot = np.zeros(num_frames, dtype=np.int64)
        self.frame_bound = np.full(num_frames, -1, dtype=np.int64)
        for si, s in enumerate(shots):
            self.frame_shot[s.pure_start:s.pure_end + 1] = si
        for bi, b in enumerate(bounds):
            if b.b >= b.a:
                self.frame_bound[b.a:b.b + 1] = bi

    def canvas(self, sid: int) -> Image.Image:
        img = self.cache.get(sid)
        if img is None:
            img = _render_setting(self.world.settings[sid], self.world)
            self.cache[sid] = img
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(sid)
        return img

    def shot_frame(self, shot: _Shot, i: int) -> np.ndarray:
        world = self.world
        W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
        t = i - shot.render_start
        cx, cy, z = shot.camera.at(t)
        bw, bh = W / z, H / z
        x0 = min(max(cx - bw / 2, 0.0), cw - bw)
        y0 = min(max(cy - bh / 2, 0.0), ch - bh)
        canvas = self.canvas(shot.setting)
        S = SUPERSAMPLE
        if abs(z - 1.0) < 1e-6:
            # a plain crop, at a multiple of 1/S frame pixel (sub-pixel pans)
            xi, yi = int(round(x0 * S)), int(round(y0 * S))
            xi, yi = min(max(xi, 0), S * (cw - W)), min(max(yi, 0), S * (ch - H))
            img = canvas.crop((xi, yi, xi + S * W, yi + S * H))
            x0, y0 = xi / S, yi / S
        else:
            img = canvas.resize((S * W, S * H), Image.BILINEAR, box=(S * x0, S * y0, S * (x0 + bw), S * (y0 + bh)))
        spec = world.settings[shot.setting]
        zs = z * S
        if shot.actors:
            draw = ImageDraw.Draw(img)
            base_h = 0.45 * H * zs
            lw = max(S, int(round(H / 120.0 * zs)))
            for a in shot.actors:
                c = world.characters[a.char]
                hpx = base_h * c.height * a.size
                wx = a.x0 + a.vx * t
                sx = (wx - x0) * zs
                if sx < -hpx or sx > S * W + hpx:
                    continue
                walking = a.vx != 0.0
                if walking:
                    phase = a.phase + 2 * math.pi * t * abs(a.vx) / (0.3 * H)
                    bob = abs(math.sin(phase)) * 0.02
                else:
                    phase = a.phase
                    bob = a.bob * (0.5 + 0.5 * math.sin(a.phase + 2 * math.pi * t / a.bob_period))
                sy = (spec.floor_y + a.dy - y0) * zs - bob * hpx
                _draw_character(draw, c, sx, sy, hpx, a.facing, phase, walking, lw)
        if S > 1:
            img = img.reduce(S)
        arr = np.asarray(img)
        cam = shot.camera
        if cam.pan_t1 > cam.pan_t0 and cam.pan_t0 <= t <= cam.pan_t1:
            speed = abs(cam.at(t + 0.5)[0] - cam.at(t - 0.5)[0]) * z
            k = int(round(speed * 0.8))
            if k >= 2:
                arr = _to_u8(_hblur(arr.astype(np.float32), k))
        if shot.flash is not None:
            k = i - shot.flash["start"]
            if 0 <= k < len(shot.flash["alphas"]):
                al = shot.flash["alphas"][k]
                f = arr.astype(np.float32)
                arr = _to_u8(f + (np.asarray(shot.flash["tint"], np.float32) - f) * al)
        return arr

    def frame(self, i: int) -> np.ndarray:
        bi = int(self.frame_bound[i])
        if bi < 0:
            return np.ascontiguousarray(self.shot_frame(self.shots[int(self.frame_shot[i])], i))
        b = self.bounds[bi]
        A = self.shot_frame(self.shots[b.prev], i).astype(np.float32)
        B = self.shot_frame(self.shots[b.next], i).astype(np.float32)
        p = (i - b.a + 1) / (b.b - b.a + 2)
        return _blend(b.kind, A, B, p, b.params, self._xx, self._yy, 1.0 / (b.b - b.a + 2))


def _blend(kind, A, B, p, params, xx, yy, step=0.0) -> np.ndarray:
    """Frame of a gradual transition from A to B at progress p in (0, 1); step: p per frame."""
    H, W = A.shape[:2]
    if kind == "dissolve":
        out = A + (B - A) * p
    elif kind == "fade":
        out = A * (1 - 2 * p) if p < 0.5 else B * (2 * p - 1)
    elif kind == "flash":
        if p < 0.45:
            al = p / 0.45
            out = A + (255.0 - A) * al
        elif p <= 0.55:
            out = np.full_like(A, 255.0)
        else:
            al = (p - 0.55) / 0.45
            out = 255.0 + (B - 255.0) * al
    elif kind == "wipe":
        ang = math.radians(params.get("angle", 0.0))
        proj = xx * math.cos(ang) + yy * math.sin(ang)
        lo, hi = float(proj.min()), float(proj.max())
        edge = lo + (hi - lo + 1) * p
        out = np.where((proj < edge)[..., None], B, A)
    elif kind == "iris":
        cxf, cyf = params.get("center", (0.5, 0.5))
        cx, cy = cxf * W, cyf * H
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        # the radius is the q-quantile of the distances: the circle covers a fraction q of
        # the frame, so the changed area per frame is even
        def inside(q):
            return (d < (np.quantile(d, q) if q < 1 else d.max() + 1))[..., None]
        if params.get("mode", "open") == "open":
            out = np.where(inside(p), B, A)
        elif p < 0.5:
            out = np.where(inside(1 - 2 * p), A, 0.0)
        else:
            out = np.where(inside(2 * p - 1), B, 0.0)
    elif kind == "push":
        direction = params.get("direction", "left")
        q = _smoothstep(p)      # eased: slow at both ends, fast (and blurred) in the middle
        speed = (_smoothstep(p + step / 2) - _smoothstep(p - step / 2)) if step > 0 else 0.0
        if direction in ("left", "right"):
            off = int(round(q * W))
            if direction == "left":      # the new scene enters from the right
                out = np.concatenate([A[:, off:], B[:, :off]], axis=1)
            else:
                out = np.concatenate([B[:, W - off:], A[:, :W - off]], axis=1)
        else:
            off = int(round(q * H))
            if direction == "up":        # the new scene enters from the bottom
                out = np.concatenate([A[off:], B[:off]], axis=0)
            else:
                out = np.concatenate([B[H - off:], A[:H - off]], axis=0)
        # motion blur along the push, 1.5 times as long as the move per frame
        k = int(round(1.5 * speed * (W if direction in ("left", "right") else H)))
        if direction in ("left", "right"):
            out = _hblur(out, k)
        else:
            out = _hblur(out.transpose(1, 0, 2), k).transpose(1, 0, 2)
    elif kind == "whip":
        d = params.get("direction", 1)
        sA = -d * 1.2 * W * p * p
        sB = d * 1.2 * W * (1 - p) * (1 - p)
        w = _smoothstep((p - 0.3) / 0.4)
        mixed = _hshift(A, sA) * (1 - w) + _hshift(B, sB) * w
        k = 1 + int(round(math.sin(math.pi * p) ** 2 * 0.5 * W))
        out = _hblur(mixed, k)
    else:
        raise ValueError(f"unknown transition kind {kind!r}")
    return _to_u8(out)


# ----------------------------------------------------------------------------- public API


def _truth(world, shots, bounds, N, fps, seed, variant, hard_cases) -> SyntheticClipTruth:
    transitions, non_changes = [], []
    shot_setting = np.zeros(N, dtype=np.int64)
    for s in shots:
        shot_setting[s.render_start:s.render_end + 1] = s.setting
    for b in bounds:
        if b.kind == "character_cut":
            non_changes.append(dict(kind="character_cut", start=b.a - 1, end=b.a))
            continue
        if b.kind == "cut":
            transitions.append(dict(kind="cut", start=b.a - 1, end=b.a, label=b.label))
        else:
            transitions.append(dict(kind=b.kind, start=b.a, end=b.b, label=b.label))
            shot_setting[b.a:b.label + 1] = shots[b.prev].setting
            shot_setting[b.label + 1:b.b + 1] = shots[b.next].setting
    for s in shots:
        non_changes.extend(dict(e) for e in s.events)
    non_changes.sort(key=lambda d: (d["start"], d["kind"]))
    change_pairs = np.array(sorted(t["label"] for t in transitions), dtype=np.int64)
    shot_info = [dict(start=s.pure_start, end=s.pure_end, setting=s.setting,
                      setting_kind=world.settings[s.setting].kind,
                      characters=[a.char for a in s.actors], camera=s.mode) for s in shots]
    settings = [dict(id=s.sid, kind=s.kind, palette=_PRESETS[s.kind][s.preset]["name"]) for s in world.settings]
    return SyntheticClipTruth(N, world.width, world.height, fps, int(seed), int(variant), bool(hard_cases),
                              change_pairs, transitions, non_changes, shot_setting, shot_info, settings)


def _check_args(num_frames, width, height, fps):
    if int(num_frames) < 2:
        raise ValueError(f"num_frames must be at least 2, got {num_frames}")
    if int(width) < 32 or int(height) < 24:
        raise ValueError(f"frame size must be at least 32x24, got {width}x{height}")
    if int(fps) < 4:
        raise ValueError(f"fps must be at least 4, got {fps}")


def iter_clip_frames(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                     hard_cases: bool = True, *, variant: int = 0) -> tuple:
    """Plan a clip and return ``(frames_iterator, truth)``.

    The truth (a ``SyntheticClipTruth``) is complete before the first frame is rendered; the
    iterator renders the ``num_frames`` frames (H x W x 3 uint8) lazily, one by one, keeping
    only a few setting canvases in memory. ``seed`` fixes the world (settings, characters)
    and, with ``variant``, the shot sequence: clips of one seed and different variants
    share their settings and characters.
    """
    _check_args(num_frames, width, height, fps)
    N, W, H, fps = int(num_frames), int(width), int(height), int(fps)
    world = _make_world(seed, W, H)
    rng = np.random.default_rng([_SEED_TAG, int(seed), 2, int(variant)])
    shots, bounds = _plan(world, N, rng, fps, bool(hard_cases))
    truth = _truth(world, shots, bounds, N, fps, seed, variant, hard_cases)

    def frames() -> Iterator[np.ndarray]:
        renderer = _Renderer(world, shots, bounds, N)
        for i in range(N):
            yield renderer.frame(i)

    return frames(), truth


def generate_clip(num_frames: int, seed: int = 0, width: int = 160, height: int = 120, fps: int = 24,
                  hard_cases: bool = True, *, variant: int = 0) -> SyntheticClip:
    """Render a whole clip in memory (N x H x W x 3 uint8); for long clips use iter_clip_frames."""
    it, truth = iter_clip_frames(num_frames, seed, width, height, fps, hard_cases, variant=variant)
    frames = np.empty((truth.num_frames, truth.height, truth.width, 3), dtype=np.uint8)
    for i, f in enumerate(it):
        frames[i] = f
    return SyntheticClip(frames, truth.change_pairs, truth.transitions, truth.non_changes, truth.shot_setting,
                         truth.shots, truth.fps, truth)


def write_frame_folder(folder, frames_iter: Iterable[np.ndarray], prefix: str = "frame_", ext: str = ".png",
                       show_progress: bool = True, *, total: Optional[int] = None, digits: int = 6,
                       desc: Optional[str] = None) -> int:
    """Write frames as ``folder/<prefix><n><ext>`` (n from 0, zero padded to ``digits``).

    Returns the number of frames written. The folder is created if needed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if total is None and hasattr(frames_iter, "__len__"):
        total = len(frames_iter)
    bar = None
    if show_progress:
        from tqdm import tqdm
        bar = tqdm(total=total, desc=desc or f"writing {folder.name}", unit="frame", leave=False)
    n = 0
    save_kw = {"compress_level": 3} if ext.lower() == ".png" else {}
    try:
        for frame in frames_iter:
            Image.fromarray(np.asarray(frame, dtype=np.uint8)).save(folder / f"{prefix}{n:0{digits}d}{ext}", **save_kw)
            n += 1
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return n


_SAMPLE_ENTRIES = {"train", "val", "train_labels.npy", "val_labels.npy", "truth.json", "sample.json"}


def _sample_paths(out_dir: Path) -> dict:
    return dict(train=str(out_dir / "train"), val=str(out_dir / "val"), val_labels=str(out_dir / "val_labels.npy"),
                train_labels=str(out_dir / "train_labels.npy"), truth=str(out_dir / "truth.json"))


def _read_params(out_dir: Path) -> Optional[dict]:
    try:
        with open(out_dir / "sample.json", "r", encoding="utf-8") as f:
            return json.load(f).get("params")
    except (OSError, ValueError, AttributeError):
        return None


def write_sample(out_dir, train_frames: int = 1800, val_frames: int = 1200, seed: int = 0,
                 width: int = 160, height: int = 120, hard_cases: bool = True, show_progress: bool = True) -> dict:
    """Write the bundled sample (train and val frame folders, labels, truth) to ``out_dir``.

    Idempotent: if ``out_dir/sample.json`` records the same parameters, nothing is written.
    Otherwise everything is written to a temporary sibling folder that is renamed into place
    at the end, so an interrupted run never leaves a complete-looking half sample. An
    existing ``out_dir`` is replaced only if it holds nothing but sample files.
    """
    from utils.errors import UserError

    out_dir = Path(out_dir)
    params = dict(version=SAMPLE_VERSION, train_frames=int(train_frames), val_frames=int(val_frames),
                  seed=int(seed), width=int(width), height=int(height), hard_cases=bool(hard_cases), fps=24)
    paths = _sample_paths(out_dir)
    if _read_params(out_dir) == params:
        return paths
    if out_dir.exists():
        if not out_dir.is_dir():
            raise UserError(f"{out_dir}: exists and is not a folder")
        foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in _SAMPLE_ENTRIES)
        if foreign:
            raise UserError(f"{out_dir}: exists and holds files that are not a synthetic sample "
                            f"({', '.join(foreign[:3])}); choose another folder")
    _check_args(train_frames, width, height, 24)
    _check_args(val_frames, width, height, 24)
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    try:
        truths = {}
        for part, n, variant in (("train", train_frames, 1), ("val", val_frames, 2)):
            it, truth = iter_clip_frames(n, seed, width, height, 24, hard_cases, variant=variant)
            write_frame_folder(tmp / part, it, show_progress=show_progress, total=n, desc=f"sample {part}")
            np.save(tmp / f"{part}_labels.npy", truth.change_pairs.astype(np.int64))
            truths[part] = truth.to_json()
        with open(tmp / "truth.json", "w", encoding="utf-8") as f:
            json.dump(dict(params=params, label_convention="pair i: the scene changes between frame i and i+1",
                           **truths), f)
        with open(tmp / "sample.json", "w", encoding="utf-8") as f:
            json.dump(dict(params=params, frame_name="frame_%06d.png"), f, indent=1)
        # Put it into place: move any old sample aside first, then rename (atomic per rename).
        if _read_params(out_dir) == params:        # someone else finished the same sample meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
            return paths
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.replace(out_dir, old / "sample")
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m data.synthetic",
                                 description="Write the synthetic anime-like sample (frames, labels, truth).")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--train_frames", type=int, default=1800)
    ap.add_argument("--val_frames", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=160)
    ap.add_argument("--height", type=int, default=120)
    ap.add_argument("--easy", action="store_true", help="hard cuts, character-only cuts and slow pans only")
    args = ap.parse_args(argv)
    from utils.errors import UserError
    try:
        paths = write_sample(args.out, args.train_frames, args.val_frames, args.seed, args.width, args.height,
                             hard_cases=not args.easy)
    except (UserError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with open(paths["truth"], "r", encoding="utf-8") as f:
        truth = json.load(f)
    for part in ("train", "val"):
        t = truth[part]
        kinds = {}
        for d in t["transitions"]:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        traps = {}
        for d in t["non_changes"]:
            traps[d["kind"]] = traps.get(d["kind"], 0) + 1
        print(f"{part}: {t['num_frames']} frames in {paths[part]}, {len(t['change_pairs'])} scene changes "
              f"{kinds}, traps {traps}")
    print(f"labels: {paths['train_labels']}, {paths['val_labels']}")
    print(f"truth:  {paths['truth']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
