import os
import warnings

import numpy as np
import pytest
from PIL import Image

from conftest import write_frames
from data.cache import load_frames
from data.frames import list_frame_files, natural_key, read_frame
from utils.errors import UserError


def test_natural_order_puts_frame_2_before_frame_10(tmp_path):
    frames = [np.full((8, 8, 3), i * 20, dtype=np.uint8) for i in range(12)]
    write_frames(tmp_path, frames, prefix="shot_")
    names = [os.path.basename(p) for p in list_frame_files(str(tmp_path))]
    assert names[:3] == ["shot_0.png", "shot_1.png", "shot_2.png"] and names[-1] == "shot_11.png"
    assert sorted(["f10", "f2", "f1"], key=natural_key) == ["f1", "f2", "f10"]


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp", ".bmp"])
def test_common_formats_are_read_as_rgb_64(tmp_path, ext):
    path = str(tmp_path / f"frame_0{ext}")
    Image.new("L", (100, 60), 200).save(path)  # greyscale input comes out as RGB
    rgb, original = read_frame(path, 64)
    assert rgb.shape == (3, 64, 64) and rgb.dtype == np.uint8 and original == (100, 60)
    assert abs(int(rgb.mean()) - 200) <= 3


def test_resize_antialiases_fine_detail(tmp_path):
    stripes = np.zeros((256, 256, 3), dtype=np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes average to grey, not to black or white
    path = write_frames(tmp_path, [stripes])
    rgb, _ = read_frame(os.path.join(path, "frame_0.png"), 64)
    assert 110 < rgb.mean() < 145 and rgb.std() < 20


def test_cache_is_built_once_and_rebuilt_when_frames_change(two_scene_folder, isolated_cache):
    cache = load_frames(two_scene_folder, str(isolated_cache), 64, show_progress=False)
    assert cache.frames.shape == (40, 3, 64, 64) and cache.frames.dtype == np.uint8
    assert cache.source_index.tolist() == list(range(40))
    assert cache.frames[0, 2].mean() > cache.frames[0, 0].mean()  # blue scene
    meta_time = os.path.getmtime(os.path.join(cache.folder, "meta.json"))
    again = load_frames(two_scene_folder, str(isolated_cache), 64, show_progress=False)
    assert os.path.getmtime(os.path.join(again.folder, "meta.json")) == meta_time
    Image.new("RGB", (32, 24), (0, 255, 0)).save(os.path.join(two_scene_folder, "frame_40.png"))
    rebuilt = load_frames(two_scene_folder, str(isolated_cache), 64, show_progress=False)
    assert len(rebuilt) == 41 and rebuilt.frames[40, 1].mean() > 200


def test_missing_and_empty_folders_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="no such"):
        load_frames(str(tmp_path / "nope"), show_progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no frames found"):
        load_frames(str(tmp_path / "empty"), show_progress=False)


def test_unreadable_image_names_the_file(two_scene_folder):
    with open(os.path.join(two_scene_folder, "frame_5.png"), "wb") as handle:
        handle.write(b"not a png at all")
    with pytest.raises(UserError, match="frame_5.png: unreadable image"):
        load_frames(two_scene_folder, show_progress=False)


def test_mixed_frame_sizes_are_refused(two_scene_folder, isolated_cache):
    Image.new("RGB", (64, 48)).save(os.path.join(two_scene_folder, "frame_7.png"))
    with pytest.raises(UserError, match="frame_7.png.*mixed frame sizes"):
        load_frames(two_scene_folder, show_progress=False)
    leftovers = os.listdir(isolated_cache) if isolated_cache.exists() else []
    assert leftovers == []  # the failed build left nothing half-written


@pytest.mark.slow
def test_a_broken_link_among_the_frames_is_named(two_scene_folder, capsys):
    import main
    from conftest import one_error_line
    link = os.path.join(two_scene_folder, "frame_40.png")
    os.symlink(os.path.join(two_scene_folder, "gone.png"), link)
    with pytest.raises(UserError, match="frame_40.png: broken link"):
        load_frames(two_scene_folder, show_progress=False)
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", os.path.join(two_scene_folder, "..", "run"),
                      "--hidden-dims", "8", "16", "--latent_dim", "3", "--max_iters", "1"]) == 2
    one_error_line(capsys.readouterr().err, link, "broken link", "gone.png")


@pytest.mark.parametrize("other", ["frame_01.png", "frame_1.jpg"])
def test_two_files_of_one_frame_number_are_refused(two_scene_folder, other):
    Image.new("RGB", (32, 24)).save(os.path.join(two_scene_folder, other))
    with pytest.raises(UserError, match=r"the same frame number as .*keep one file per frame") as err:
        list_frame_files(two_scene_folder)
    assert "frame_1.png" in str(err.value) and other in str(err.value)


@pytest.mark.parametrize("copy", ["frame_5 copy.png", "frame_5 (1).png", "frame_5 - Copy.png", "frame_005_v2.png"])
def test_a_copy_of_a_frame_is_refused_not_read_as_one_more_frame(two_scene_folder, tmp_path, copy, capsys):
    """A file manager's copy of frame 5 sorts in beside it: read, it would move every later frame one on."""
    import shutil
    import main
    from utils.run_folder import run_files
    shutil.copy(os.path.join(two_scene_folder, "frame_5.png"), os.path.join(two_scene_folder, copy))
    with pytest.raises(UserError, match=r"the same frame number as frame_5.png \(a copy of it\?\); keep one file"):
        list_frame_files(two_scene_folder)
    assert main.main(["--train_folder", two_scene_folder, "--output_folder", str(tmp_path / "run")]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("error: ") and os.path.join(two_scene_folder, copy) in line and "frame_5.png" in line
    assert run_files(str(tmp_path / "run")) == []
    os.remove(os.path.join(two_scene_folder, "frame_5.png"))  # the only file of frame 5: a frame, however named
    assert len(list_frame_files(two_scene_folder)) == 40


def test_a_damaged_cache_is_built_again(two_scene_folder, isolated_cache):
    first = load_frames(two_scene_folder, str(isolated_cache), 64, show_progress=False)
    expected = np.array(first.frames)
    folder = first.folder
    del first
    damages = [lambda: os.truncate(os.path.join(folder, "frames.u8"), 1000),
               lambda: os.remove(os.path.join(folder, "source_index.npy")),
               lambda: open(os.path.join(folder, "timestamps.npy"), "wb").write(b"not an array")]
    for damage in damages:
        damage()
        with pytest.warns(UserWarning, match="frame cache is damaged"):
            again = load_frames(two_scene_folder, str(isolated_cache), 64, show_progress=False)
        assert np.array_equal(again.frames, expected) and again.source_index.tolist() == list(range(40))
        del again


def test_a_photo_turned_by_its_exif_tag_is_read_as_a_viewer_shows_it(tmp_path):
    landscape = np.zeros((60, 80, 3), dtype=np.uint8)
    landscape[:, :40] = 255
    tagged = Image.fromarray(landscape)
    exif = tagged.getexif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    tagged.save(tmp_path / "frame_0.jpg", exif=exif)
    Image.fromarray(np.rot90(landscape, -1).copy()).save(tmp_path / "frame_1.jpg")
    (turned, turned_size), (plain, plain_size) = (read_frame(str(tmp_path / f"frame_{k}.jpg"), 16) for k in (0, 1))
    assert turned_size == plain_size == (60, 80)
    assert np.abs(turned.astype(int) - plain.astype(int)).mean() < 2
    assert turned[:, :8].mean() > 190 and turned[:, 8:].mean() < 60  # the white half is now at the top


def test_an_image_too_large_to_read_safely_is_refused_in_one_line(tmp_path, monkeypatch):
    Image.new("RGB", (100, 60)).save(tmp_path / "frame_0.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 6000 pixels is over twice the limit
    with pytest.raises(UserError, match="frame_0.png: image too large to read safely"):
        read_frame(str(tmp_path / "frame_0.png"), 16)


def test_a_sixteen_bit_photo_turned_by_its_exif_tag_is_turned_too(tmp_path):
    grey = np.zeros((60, 80), dtype=np.uint16)
    grey[:, :40] = 65535
    tagged = Image.fromarray(grey)
    exif = tagged.getexif()
    exif[0x0112] = 6
    tagged.save(tmp_path / "frame_0.png", exif=exif)
    rgb, size = read_frame(str(tmp_path / "frame_0.png"), 16)
    assert size == (60, 80)
    assert rgb[:, :8].mean() > 190 and rgb[:, 8:].mean() < 60  # the white half is now at the top


def _touch_frames(folder, names):
    folder.mkdir(exist_ok=True)
    for name in names:
        Image.new("RGB", (8, 8)).save(folder / name)


def test_a_cover_among_numbered_frames_is_left_out_with_a_warning(tmp_path):
    """A still with no number would sort in as frame 0 and move every change one frame late."""
    _touch_frames(tmp_path / "f", [f"frame_{i}.png" for i in range(5)] + ["cover.png", "frame_final.png"])
    with pytest.warns(UserWarning, match=r"2 files \(cover.png, frame_final.png\) left out: no frame number"):
        listed = list_frame_files(str(tmp_path / "f"))
    assert [os.path.basename(p) for p in listed] == [f"frame_{i}.png" for i in range(5)]
    _touch_frames(tmp_path / "g", ["b.png", "a.png", "c.png"])  # no numbers at all: every image, by name
    assert [os.path.basename(p) for p in list_frame_files(str(tmp_path / "g"))] == ["a.png", "b.png", "c.png"]


def test_a_numbered_picture_named_otherwise_among_the_frames_is_left_out_with_a_warning(tmp_path):
    """cover_1.png sorted in before frame_0.png, as frame 0, and moved every change one frame late,
    without a word; poster_1.png after them, as the last frame."""
    frames = [f"frame_{i}.png" for i in range(5)]
    _touch_frames(tmp_path / "f", frames + ["cover_1.png", "poster_1.png"])
    with pytest.warns(UserWarning, match=r"2 files \(cover_1.png, poster_1.png\) left out: not named like the "
                                         r"frames \(frame_<n>\)"):
        listed = list_frame_files(str(tmp_path / "f"))
    assert [os.path.basename(p) for p in listed] == frames
    _touch_frames(tmp_path / "g", [f"a_{i}.png" for i in range(3)] + [f"b_{i}.png" for i in range(3)])
    with warnings.catch_warnings():  # two namings, neither most: every image, in order
        warnings.simplefilter("error")
        assert len(list_frame_files(str(tmp_path / "g"))) == 6


def test_a_gap_in_the_frame_numbers_and_a_frame_in_another_format_are_warned_about(tmp_path):
    names = [f"frame_{i}.png" for i in range(8) if i != 5]
    _touch_frames(tmp_path / "f", names)
    Image.new("RGB", (8, 8)).save(tmp_path / "f" / "frame_5.gif")
    (tmp_path / "f" / "notes.txt").write_text("not a picture")
    with pytest.warns(UserWarning) as caught:
        listed = list_frame_files(str(tmp_path / "f"))
    messages = [str(w.message) for w in caught]
    assert len(listed) == 7 and len(messages) == 2
    assert "1 file (frame_5.gif) left out: not a frame format" in messages[0]
    assert "1 frame number missing (the first after frame_4.png)" in messages[1]
    _touch_frames(tmp_path / "every2", [f"frame_{i}.png" for i in range(0, 12, 2)])  # taken every other frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list_frame_files(str(tmp_path / "every2"))) == 6
