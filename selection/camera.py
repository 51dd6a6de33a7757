"""How much of the change between two frames a camera move explains.

A pan or a zoom across one drawing changes every part of the picture, as a transition between
two shots does, and a fast one changes it as quickly. What tells them apart is that after a
camera move the later picture is the earlier one moved: move the earlier picture along the
camera's path and it matches the later one where both show the same place. The path is
followed frame by frame (the best of every shift of up to STEP_SHIFT of the frame, at three
zooms, between neighbouring frames), composed over the span and corrected once against its last
frame, so a pan across half the frame in a third of a second is followed as well as a slow one.
A path that leaves less than MIN_OVERLAP of the earlier picture in view explains nothing: a push
transition, where the new shot slides in and drives the old one out, moves the picture as a pan
does, but ends on a picture the first one never showed.

Pictures are small grey images of the frames (Pictures.grey): enough to follow the camera,
and cheap enough to try every move.
"""

from typing import Dict, Iterable, Tuple

import numpy as np
import torch

F = torch.nn.functional

# The largest move between two neighbouring frames, as a share of the frame's width or height,
# tried in steps of one cell of the grey picture: a pan crossing a quarter of the frame in two
# frames is still followed; faster than that, the picture is a blur that no match would trust.
STEP_SHIFT = 0.125
# Zooms tried between two neighbouring frames: a zoom by a factor of 1.5 over eight frames
# moves 5% a frame.
STEP_ZOOMS = (1 / 1.05, 1.0, 1.05)
# A move is judged on the part of the frame both pictures show, and only where that is at least
# this share of the frame; a smaller overlap has too little in common to say.
MIN_OVERLAP = 0.2
# Each step's move is the nearest on a grid of whole cells and 5% zooms, and the errors add up over
# a span: a zoom of 7% a frame is followed in steps of 5%. So the composed path is corrected once,
# against the span's last frame, by the best of these zooms about the centre and these shifts (in
# cells, halves included). On the 21 tuning runs (films 101-117; SelectionConfig.camera_share),
# without the correction, with zooms of 2% up to 4% and shifts up to half a cell, up to 6% and one
# cell, and up to 10% and two cells: 0.979, 0.979, 0.980 and 0.980 mean K-free F1 against every
# shot boundary (13, 12, 11 and 11 false alarms: a fast zoom and a fast pan fewer; no true change
# lost). Finer steps of the zoom instead (3.3%, up to 10%) dropped neither, at 1.5 times the
# cost. The middle correction is kept: the larger one gains nothing more.
FINAL_ZOOMS = tuple(1.02 ** k for k in range(-3, 4))
FINAL_SHIFTS = (-2.0, -1.0, 0.0, 1.0, 2.0)  # in half cells: 2 / S per cell in [-1, 1] coordinates


def _move(zoom: float, shift_x: float, shift_y: float) -> np.ndarray:
    """The 3x3 matrix mapping a point of the later frame (in [-1, 1] coordinates) to where it was
    in the earlier frame: zoomed about the centre after a shift (shifts in the same units)."""
    return np.array([[1 / zoom, 0, shift_x / zoom], [0, 1 / zoom, shift_y / zoom], [0, 0, 1]])


def _moved(earlier: torch.Tensor, path: np.ndarray) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pictures (B, S, S) moved along one path (3, 3), or each along its own (B, 3, 3), and
    (B, S, S) where the moved picture has content."""
    b, s = earlier.shape[0], earlier.shape[-1]
    theta = torch.as_tensor(np.asarray(path)[..., :2, :], dtype=torch.float32).expand(b, 2, 3)
    grid = F.affine_grid(theta, (b, 1, s, s), align_corners=False)
    moved = F.grid_sample(earlier[:, None], grid, align_corners=False)[:, 0]
    return moved, (grid.abs() <= 1).all(dim=-1).float()


def _residual(moved: torch.Tensor, inside: torch.Tensor, later: torch.Tensor, cells: int) -> torch.Tensor:
    """(B,) mean absolute difference over the cells with content; +inf where they are under
    MIN_OVERLAP of the frame's `cells`."""
    covered = inside.sum(dim=(-2, -1))
    difference = ((moved - later).abs() * inside).sum(dim=(-2, -1)) / covered.clamp(min=1)
    enough = covered >= max(MIN_OVERLAP * cells, 1)
    return torch.where(enough, difference, torch.full_like(difference, float("inf")))


def best_steps(earlier: torch.Tensor, later: torch.Tensor) -> np.ndarray:
    """(B, 3, 3) the move that best maps each earlier picture onto the later one: every zoom of
    STEP_ZOOMS and every whole-cell shift of up to STEP_SHIFT of the frame. earlier, later: (B, S, S)."""
    s = earlier.shape[-1]
    reach = max(1, int(round(STEP_SHIFT * s)))
    best = torch.full((earlier.shape[0],), float("inf"))
    moves = np.repeat(np.eye(3)[None], earlier.shape[0], axis=0)
    for zoom in STEP_ZOOMS:
        zoomed, inside = _moved(earlier, _move(zoom, 0.0, 0.0))
        for ky in range(-reach, reach + 1):
            for kx in range(-reach, reach + 1):
                # the earlier picture shifted by whole cells: moved[y, x] = zoomed[y + ky, x + kx]
                rows, cols = slice(max(ky, 0), s + min(ky, 0)), slice(max(kx, 0), s + min(kx, 0))
                back_rows, back_cols = slice(max(-ky, 0), s - max(ky, 0)), slice(max(-kx, 0), s - max(kx, 0))
                residual = _residual(zoomed[:, rows, cols], inside[:, rows, cols], later[:, back_rows, back_cols], s * s)
                better = residual < best
                if better.any():
                    best = torch.where(better, residual, best)
                    moves[better.numpy()] = _move(zoom, 2.0 * kx / s, 2.0 * ky / s)
    return moves


class CameraPath:
    """The camera's move between the neighbouring frames that the spans asked about need, found
    once for all of them: the spans of one film's candidates overlap."""

    def __init__(self, grey: np.ndarray):
        self.grey = np.asarray(grey)
        self.moves: Dict[int, np.ndarray] = {}

    def _pictures(self, frames) -> torch.Tensor:
        return torch.as_tensor(self.grey[np.asarray(frames, dtype=np.int64)], dtype=torch.float32)

    def follow(self, spans: Iterable[Tuple[int, int]]) -> None:
        """Finds the moves of every step inside the (first, second) frame spans."""
        steps = sorted({k for first, second in spans for k in range(first, second)} - set(self.moves))
        for start in range(0, len(steps), 256):
            block = np.array(steps[start:start + 256], dtype=np.int64)
            for step, move in zip(block, best_steps(self._pictures(block), self._pictures(block + 1))):
                self.moves[int(step)] = move

    def explained(self, first: int, second: int) -> Tuple[float, float]:
        """(share, residual) of the change from frame `first` to frame `second`: the mean grey
        difference left once the earlier picture is moved along the camera's path (residual;
        +inf when the path leaves under MIN_OVERLAP of it in view; the least of the path's small
        corrections, FINAL_ZOOMS and FINAL_SHIFTS), and its share of the difference without the
        move. A camera move leaves little of either."""
        self.follow([(first, second)])
        path = np.eye(3)
        for step in range(first, second):
            path = path @ self.moves[step]
        earlier, later = self._pictures([first]), self._pictures([second])
        s = later.shape[-1]
        # the path, and the path corrected by every small zoom and half-cell shift of the last frame
        paths = np.stack([path @ _move(zoom, x / s, y / s) for zoom in FINAL_ZOOMS
                          for x in FINAL_SHIFTS for y in FINAL_SHIFTS])
        moved, inside = _moved(earlier.expand(len(paths), -1, -1), paths)
        residual = float(_residual(moved, inside, later, s * later.shape[-2]).min())
        change = float((later - earlier).abs().mean())
        return residual / max(change, 1e-6), residual

