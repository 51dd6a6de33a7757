"""Frames of a planned clip: crops of the setting canvases, characters on top, blends at boundaries."""

import functools
import math
from collections import OrderedDict

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from data.synthetic.characters import _draw_character
from data.synthetic.plan import _Shot
from data.synthetic.settings import _render_setting
from data.synthetic.transitions import _blend, _hblur, _morph, _silhouette, _SilhouetteLook, _to_u8
from data.synthetic.world import SUPERSAMPLE, _World

STYLES = ("cel", "silhouette")


class _Renderer:
    def __init__(self, world: _World, shots, bounds, num_frames, cache_size=4, style: str = "cel"):
        self.world = world
        self.style = style
        self.looks: dict = {}
        self.inset_pictures: dict = {}      # (setting, (w, h)) -> the setting's canvas at an inset's size
        self.subtitle_at = {i: text for s in shots for a, b, text in s.subtitles for i in range(a, b + 1)}
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

    def look(self, sid: int) -> _SilhouetteLook:
        """The silhouette colours of a setting, from a thumbnail of its canvas."""
        if sid not in self.looks:
            thumb = np.asarray(self.canvas(sid).resize((32, 24), Image.BOX), dtype=np.float32)
            self.looks[sid] = _SilhouetteLook.of(thumb)
        return self.looks[sid]

    def shot_frame(self, shot: _Shot, i: int) -> np.ndarray:
        world = self.world
        W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
        t = i - shot.render_start
        cx, cy, z = shot.camera.at(t)
        moves = None
        if shot.action is not None and i >= shot.action["start"]:
            k = min(i - shot.action["start"], len(shot.action["shake"]) - 1)
            if i - shot.action["start"] < len(shot.action["shake"]):
                cx, cy = cx + shot.action["shake"][k][0], cy + shot.action["shake"][k][1]
            moves = shot.action["moves"][:, k]
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
            for n, a in enumerate(shot.actors):
                c = world.characters[a.char]
                hpx = base_h * c.height * a.size
                wx = a.x0 + a.vx * t + (moves[n][0] if moves is not None else 0.0)
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
                sy = (spec.floor_y + a.dy - y0) * zs - bob * hpx - (moves[n][1] * zs if moves is not None else 0.0)
                _draw_character(draw, c, sx, sy, hpx, a.facing, phase, walking, lw)
        if S > 1:
            img = img.reduce(S)
        arr = np.asarray(img)
        if self.style == "silhouette":
            arr = _to_u8(_silhouette(arr.astype(np.float32), self.look(shot.setting)))
        cam = shot.camera
        if cam.pan_t1 > cam.pan_t0 and cam.pan_t0 <= t <= cam.pan_t1:
            speed = abs(cam.at(t + 0.5)[0] - cam.at(t - 0.5)[0]) * z
            k = int(round(speed * 0.8))
            if k >= 2:
                arr = _to_u8(_hblur(arr.astype(np.float32), k))
        for panel in shot.insets:
            if i >= panel["start"]:
                arr = self._inset(arr, panel, i - panel["start"])
        if shot.flash is not None:
            k = i - shot.flash["start"]
            if 0 <= k < len(shot.flash["alphas"]):
                al = shot.flash["alphas"][k]
                f = arr.astype(np.float32)
                arr = _to_u8(f + (np.asarray(shot.flash["tint"], np.float32) - f) * al)
        return arr

    def _inset(self, arr: np.ndarray, panel: dict, k: int) -> np.ndarray:
        """A pop-up panel drawn over a shot's picture, k frames after it began to open."""
        H, W = arr.shape[:2]
        x0, y0, x1, y1 = panel["box"]
        grown = min(1.0, (k + 1) / panel["open"])
        cx, cy = (x0 + x1) / 2 * W, (y0 + y1) / 2 * H
        hw, hh = max(1.0, (x1 - x0) * W * grown / 2), max(1.0, (y1 - y0) * H * grown / 2)
        box = [int(round(cx - hw)), int(round(cy - hh)), int(round(cx + hw)), int(round(cy + hh))]
        out = arr.copy()
        border = max(1, H // 60)
        out[box[1]:box[3], box[0]:box[2]] = panel["border"]
        inner = [box[0] + border, box[1] + border, box[2] - border, box[3] - border]
        if inner[2] <= inner[0] or inner[3] <= inner[1]:
            return out
        out[inner[1]:inner[3], inner[0]:inner[2]] = (arr[inner[1]:inner[3], inner[0]:inner[2]] * 0.25).astype(np.uint8)
        shown = (k + 1 - panel["open"]) / panel["fill"]
        if shown > 0:
            size = (inner[2] - inner[0], inner[3] - inner[1])
            key = (panel["content"], size)
            if key not in self.inset_pictures:
                small = self.canvas(panel["content"]).resize(size, Image.BOX, reducing_gap=2.0)
                self.inset_pictures[key] = np.asarray(small.convert("RGB"), dtype=np.float32)
            picture = self.inset_pictures[key]
            region = out[inner[1]:inner[3], inner[0]:inner[2]].astype(np.float32)
            out[inner[1]:inner[3], inner[0]:inner[2]] = _to_u8(region + (picture - region) * min(1.0, shown))
        return out

    def frame(self, i: int) -> np.ndarray:
        out = self._picture(i)
        text = self.subtitle_at.get(i)
        if text is not None:
            out = _draw_subtitle(out, text)
        return out

    def _picture(self, i: int) -> np.ndarray:
        bi = int(self.frame_bound[i])
        if bi < 0:
            return np.ascontiguousarray(self.shot_frame(self.shots[int(self.frame_shot[i])], i))
        b = self.bounds[bi]
        A = self.shot_frame(self.shots[b.prev], i).astype(np.float32)
        B = self.shot_frame(self.shots[b.next], i).astype(np.float32)
        p = (i - b.a + 1) / (b.b - b.a + 2)
        if b.kind == "morph":
            look_a, look_b = self.look(self.shots[b.prev].setting), self.look(self.shots[b.next].setting)
            return _to_u8(_morph(A, B, p, look_a, look_b))
        return _blend(b.kind, A, B, p, b.params, self._xx, self._yy, 1.0 / (b.b - b.a + 2))


@functools.lru_cache(maxsize=8)
def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:       # Pillow before 10.1: the fixed bitmap font
        return ImageFont.load_default()


def _draw_subtitle(frame: np.ndarray, text: str) -> np.ndarray:
    """Burn a subtitle line into the bottom of a frame: white text with a dark outline."""
    H, W = frame.shape[:2]
    img = Image.fromarray(frame)
    draw = ImageDraw.Draw(img)
    size = max(8, H // 10)
    font = _font(size)
    while True:
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
        if x1 - x0 <= 0.94 * W or size <= 6:
            break
        size -= 1
        font = _font(size)
    x = (W - (x1 - x0)) / 2 - x0
    y = H - max(2, round(0.05 * H)) - y1
    o = max(1, H // 80)
    for dx in (-o, 0, o):
        for dy in (-o, 0, o):
            if dx or dy:
                draw.text((x + dx, y + dy), text, font=font, fill=(20, 16, 24))
    draw.text((x, y), text, font=font, fill=(255, 255, 255))
    return np.asarray(img)
