"""Pixel operations of gradual transitions: blurs, shifts and the blend of two shots."""

import math
from dataclasses import dataclass

import numpy as np

from data.synthetic.camera import _smoothstep


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
    elif kind == "flash_cut":
        # a short flash: the old shot brightens to the tint, which peaks and gives way to the new one
        tint = np.asarray(params.get("tint", (255, 255, 255)), np.float32)
        al = (1.0 - abs(2.0 * p - 1.0)) ** 0.5
        src = A if p < 0.5 else B
        out = src + (tint - src) * al
    elif kind == "blur":
        # a strong box blur ramps up over the old shot and down over the new one
        k = 1 + int(round(math.sin(math.pi * p) * 0.35 * W))
        w = _smoothstep((p - 0.4) / 0.2)
        out = _box_blur(A * (1 - w) + B * w, k)
    elif kind == "slow_wipe":
        ang = math.radians(params.get("angle", 0.0))
        proj = xx * math.cos(ang) + yy * math.sin(ang)
        lo, hi = float(proj.min()), float(proj.max())
        soft = 0.1 * (hi - lo)      # a soft edge
        edge = lo + (hi - lo + soft) * p
        w = np.clip((edge - proj) / soft, 0.0, 1.0)[..., None]
        out = A + (B - A) * w
    elif kind == "slide":
        out = _slide(A, B, _smoothstep(p), params.get("direction", "down"), params.get("drift", 0.0))
    else:
        raise ValueError(f"unknown transition kind {kind!r}")
    return _to_u8(out)


def _slide(A: np.ndarray, B: np.ndarray, q: float, direction: str, drift: float) -> np.ndarray:
    """The new shot B in over the old one A from one edge ("down": from the top), a share q of
    the way, while A is pushed the same way by `drift` of that: unlike a push, most of the old
    picture stays where it was, so the camera that would explain a pan is still."""
    def turned(x):      # the direction turned to "down"
        if direction == "up":
            return x[::-1]
        if direction in ("left", "right"):
            x = x.transpose(1, 0, 2)
            return x[::-1] if direction == "left" else x
        return x

    def back(x):
        if direction == "up":
            return x[::-1]
        if direction == "left":
            return x[::-1].transpose(1, 0, 2)
        if direction == "right":
            return x.transpose(1, 0, 2)
        return x

    a, b = turned(A), turned(B)
    size = a.shape[0]
    off = int(round(q * size))
    pushed = int(round(drift * q * size))
    out = np.empty_like(a)
    out[:off] = b[size - off:]
    out[off:] = a[off - pushed:size - pushed]
    return back(out)


def _box_blur(x: np.ndarray, k: int) -> np.ndarray:
    """Box blur of a float32 H x W x 3 image in both directions, kernel k pixels."""
    return _hblur(_hblur(x, k).transpose(1, 0, 2), k).transpose(1, 0, 2)


def _luminance(x: np.ndarray) -> np.ndarray:
    return x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114


@dataclass(frozen=True)
class _SilhouetteLook:
    """How a setting looks as silhouettes: dark ink on a light vertical gradient."""
    top: tuple
    bottom: tuple
    ink: tuple
    threshold: float        # luminance below which a pixel is part of a shape

    @classmethod
    def of(cls, thumb: np.ndarray) -> "_SilhouetteLook":
        """From a small thumbnail (h x w x 3 float32) of a setting."""
        h = thumb.shape[0]
        top = thumb[:h // 3].reshape(-1, 3).mean(axis=0)
        bottom = thumb[-h // 3:].reshape(-1, 3).mean(axis=0)
        mean = thumb.reshape(-1, 3).mean(axis=0)
        return cls(tuple(float(v) for v in top + (255 - top) * 0.55),
                   tuple(float(v) for v in bottom + (255 - bottom) * 0.35),
                   tuple(float(v) for v in mean * 0.18),
                   float(np.median(_luminance(thumb))))

    def backdrop(self, H: int, W: int) -> np.ndarray:
        t = np.linspace(0.0, 1.0, H, dtype=np.float32)[:, None, None]
        grad = np.asarray(self.top, np.float32) * (1 - t) + np.asarray(self.bottom, np.float32) * t
        return np.broadcast_to(grad, (H, W, 3))


def _silhouette(x: np.ndarray, look: _SilhouetteLook, mask=None) -> np.ndarray:
    """The frame as flat dark shapes on the look's backdrop (mask: where the shapes are)."""
    if mask is None:
        mask = _luminance(x) < look.threshold
    H, W = x.shape[:2]
    return np.where(mask[..., None], np.asarray(look.ink, np.float32), look.backdrop(H, W))


def _mix_looks(a: _SilhouetteLook, b: _SilhouetteLook, t: float) -> _SilhouetteLook:
    def m(u, v):
        return tuple(x + (y - x) * t for x, y in zip(u, v))
    return _SilhouetteLook(m(a.top, b.top), m(a.bottom, b.bottom), m(a.ink, b.ink),
                           a.threshold + (b.threshold - a.threshold) * t)


def _morph(A: np.ndarray, B: np.ndarray, p: float, look_a: _SilhouetteLook, look_b: _SilhouetteLook) -> np.ndarray:
    """A morph between two shots through their silhouettes, at progress p in (0, 1).

    The first quarter turns the old shot into silhouettes, the middle half morphs the old
    shapes into the new ones (a threshold of the blend of their blurred masks) on a backdrop
    that shifts colour, the last quarter brings the new shot's colours in.
    """
    H, W = A.shape[:2]
    mask_a = _luminance(A) < look_a.threshold
    mask_b = _luminance(B) < look_b.threshold
    if p < 0.25:
        q = _smoothstep(p / 0.25)
        return A + (_silhouette(A, look_a, mask_a) - A) * q
    if p > 0.75:
        q = _smoothstep((p - 0.75) / 0.25)
        sil = _silhouette(B, look_b, mask_b)
        return sil + (B - sil) * q
    r = _smoothstep((p - 0.25) / 0.5)
    k = 1 + int(round(math.sin(math.pi * r) * W / 8))      # crisp shapes at both ends, soft in the middle
    soft_a = _box_blur(np.repeat(mask_a[..., None].astype(np.float32), 3, axis=2), k)[..., 0]
    soft_b = _box_blur(np.repeat(mask_b[..., None].astype(np.float32), 3, axis=2), k)[..., 0]
    field = soft_a * (1 - r) + soft_b * r
    return _silhouette(A, _mix_looks(look_a, look_b, r), field > 0.5)
