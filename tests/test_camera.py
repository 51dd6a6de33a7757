"""The camera's path: a pan or a zoom across one drawing is explained by moving the earlier
picture; a cut, a dissolve or a push to another picture is not."""

import numpy as np
import torch

from conftest import scenery
from selection import camera
from selection.camera import CameraPath, best_steps
from selection.pictures import picture_features


def test_a_whole_cell_shift_between_two_frames_is_found():
    picture = scenery(1)[:32, :32]
    later = np.roll(picture, (-2, 3), axis=(0, 1))  # content moves 2 cells up and 3 to the right
    move = best_steps(torch.tensor(picture[None], dtype=torch.float32), torch.tensor(later[None], dtype=torch.float32))[0]
    # a point of the later frame was 3 cells to the left and 2 below in the earlier one
    assert np.allclose(move[:2, 2], [-2 * 3 / 32, 2 * 2 / 32])
    assert np.allclose(move[:2, :2], np.eye(2))


def test_a_pan_across_half_the_frame_is_explained_and_a_cut_or_push_is_not():
    wide = scenery(2, 96)
    pan = [wide[:32, x:x + 32] for x in range(0, 17, 2)]                     # 16 cells in 8 frames
    other = scenery(3, 32)
    cut = pan[:4] + [other] * 5
    push = [np.concatenate([pan[0][:, x:], other[:, :x]], axis=1) for x in range(0, 33, 4)]
    dissolve = [(pan[0] + (other.astype(np.float32) - pan[0]) * k / 8).astype(np.uint8) for k in range(9)]
    for frames, camera in ((pan, True), (cut, False), (push, False), (dissolve, False)):
        share, residual = CameraPath(np.stack(frames)).explained(0, len(frames) - 1)
        assert (share < 0.2) == camera, (share, residual)


def zoom_frames(rate: float, count: int = 8) -> np.ndarray:
    """(count, 32, 32) grey pictures of a view narrowing by `rate` a frame about the centre."""
    wide = torch.tensor(scenery(4, 128), dtype=torch.float32)[None, None]
    frames = []
    for k in range(count):
        scale = rate ** -k
        theta = torch.tensor([[[scale, 0.0, 0.0], [0.0, scale, 0.0]]])
        grid = torch.nn.functional.affine_grid(theta, (1, 1, 128, 128), align_corners=False)
        view = torch.nn.functional.grid_sample(wide, grid, align_corners=False)
        frames.append(torch.nn.functional.avg_pool2d(view, 4)[0, 0].round().numpy())  # as Pictures.grey
    return np.stack(frames).astype(np.uint8)


def test_a_zoom_into_a_drawing_is_explained():
    frames = zoom_frames(1.05)
    share, _ = CameraPath(frames).explained(0, 7)
    change = np.abs(frames[7].astype(np.float32) - frames[0]).mean()
    assert share < 0.3 and change > 10


def test_a_zoom_between_the_steps_tried_is_followed_once_the_path_is_corrected(monkeypatch):
    # 6% a frame: each step is taken as 5%, and over 7 steps the path falls 7% short
    frames = zoom_frames(1.06)
    corrected, _ = CameraPath(frames).explained(0, 7)
    monkeypatch.setattr(camera, "FINAL_ZOOMS", (1.0,))
    monkeypatch.setattr(camera, "FINAL_SHIFTS", (0.0,))
    uncorrected, _ = CameraPath(frames).explained(0, 7)
    assert corrected < 0.25 < 0.3 < uncorrected, (corrected, uncorrected)


def test_grey_pictures_average_each_cell():
    frames = np.zeros((1, 3, 64, 64), dtype=np.uint8)
    frames[0, :, :32, :] = 200
    grey = picture_features(frames).grey
    assert grey.shape == (1, 32, 32) and (grey[0, :16] == 200).all() and (grey[0, 16:] == 0).all()


def test_a_path_of_zooms_and_shifts_is_composed_in_order():
    # zooms and shifts do not commute: composing the steps in the wrong order leaves a residual
    wide = torch.tensor(scenery(5, 128), dtype=torch.float32)[None, None]
    scale, centre, frames = 1.0, np.zeros(2), []
    for zoom, shift in [(1.0, (0, 0)), (1.05, (1, 0)), (1 / 1.05, (0, -1)), (1.05, (-2, 1)), (1.0, (2, 2)),
                        (1.05, (0, 1)), (1 / 1.05, (1, 0)), (1.0, (0, 0))]:
        scale /= zoom
        centre += scale * 2 * np.array(shift) / 32
        theta = torch.tensor([[[scale, 0.0, centre[0]], [0.0, scale, centre[1]]]], dtype=torch.float32)
        grid = torch.nn.functional.affine_grid(theta, (1, 1, 128, 128), align_corners=False)
        view = torch.nn.functional.grid_sample(wide, grid, align_corners=False)
        frames.append(torch.nn.functional.avg_pool2d(view, 4)[0, 0].round().clamp(0, 255).numpy())
    frames = np.stack(frames).astype(np.uint8)
    share, residual = CameraPath(frames).explained(0, len(frames) - 1)
    change = np.abs(frames[-1].astype(np.float32) - frames[0]).mean()
    assert change > 20 and share < 0.15, (share, residual, change)
