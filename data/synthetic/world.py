"""The world of a seed: its library of settings and characters (specs only, nothing drawn)."""

from dataclasses import dataclass

import numpy as np

from data.synthetic.palette import _PRESETS, _hsv

SETTING_KINDS = ("sky", "city", "room", "landscape", "night")
NUM_SETTINGS = 12
NUM_CHARACTERS = 6
SUPERSAMPLE = 2              # settings and characters are drawn at 2x and box-filtered down (anti-aliasing)
_SEED_TAG = 0x5EED


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
