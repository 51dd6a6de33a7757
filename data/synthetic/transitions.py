"""Pixel operations of gradual transitions: blurs, shifts and the blend of two shots."""

import math

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
    else:
        raise ValueError(f"unknown transition kind {kind!r}")
    return _to_u8(out)
