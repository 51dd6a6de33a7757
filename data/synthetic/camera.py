"""The camera of a shot: position, slow drift, one eased pan and one eased zoom."""

from dataclasses import dataclass


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
