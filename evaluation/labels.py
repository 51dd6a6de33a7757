"""Read scene-change labels and bring them to the project's convention.

The project's convention (the original's): pair index i = a change between frame i and
frame i+1. Most shot-boundary data sets instead give the first frame of the new shot
(convention "first_frame"), which is pair index frame - 1 (utils/label_convention.py converts).

Labels come at two levels. Shots: every boundary between shots. Scenes: the boundaries where
the setting changes. A JSON {"boundaries": [...]} marks a boundary that keeps the setting with
"same_setting": true, and the generator's truth lists such cuts among its non-changes (kinds
SAME_SETTING_CUT_KINDS); a file of bare indices is the same list at both levels.
"""

import csv
import json
import math
import os
import re
import warnings
from typing import Optional

import numpy as np

from utils.errors import UserError, read_npy
from utils.label_convention import CONVENTIONS, pair_into, pairs_of_first_frames, transition_pairs

LEVELS = ("shot", "scene")
# The generator's cuts that keep the setting (data/synthetic, SAME_SETTING_CUT_KINDS): shot
# boundaries that are not scene changes. Named here so that reading labels needs no generator.
SAME_SETTING_CUT_KINDS = ("character_cut", "reverse_shot", "new_angle")


class NotAFrameIndex(ValueError):
    """A label entry that is not a whole frame number; its message says which."""


def frame_index(value) -> int:
    """`value` as a frame index: a whole number (3 or 3.0). A fraction, a boolean, a string or
    anything else raises NotAFrameIndex: labels are never rounded or cast."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise NotAFrameIndex(f"{value!r} is not a frame index")
    if not (math.isfinite(value) and value == int(value)):
        raise NotAFrameIndex(f"{value!r} is not a whole frame index")
    if abs(value) >= 2 ** 62:
        raise NotAFrameIndex(f"{value!r} is too large to be a frame index")
    return int(value)


def _reason(err: Exception) -> str:
    """The detail of an unreadable labels file, for its one-line message."""
    text = str(err) if isinstance(err, NotAFrameIndex) else f"{err.__class__.__name__}: {err}"
    return text.splitlines()[0] if text else err.__class__.__name__


def _numbers_from_text(path: str, text: str) -> list:
    """Frame indices of a plain or CSV list: one per line, or the first column under a header
    that names it a frame column ("frame", "Start Frame"); a first row that is not a number is
    a header and skipped. Other rows of several values are refused, not read in part: whether
    they are frames, or a frame and its span, or a scene list's columns, only their writer knows."""
    values, header = [], None
    for line, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        first = re.split(r"[\s;]+", cells[0])[0]  # "19 cut" is a label and a word, not a header to skip
        if header is None and not values and re.search(r"[A-Za-z_]{2,}", cells[0]) and not _is_number(first):
            header = cells
            continue
        if len(cells) > 1 and header and "frame" in header[0].lower():
            parts = cells[:1]  # the frame column, under its name
        else:
            parts = [p for p in re.split(r"[\s;]+", cells[0]) if p] if len(cells) == 1 else cells
        if len(parts) > 1:
            shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
            named = f" under a first column named {header[0]!r}, not frames" if header else ""
            raise UserError(f"{path}: line {line} holds {len(parts)} values ({shown}){named}; give one frame "
                            "index per line, or a JSON list")
        try:
            if "_" in parts[0]:  # float() reads "1_9" as 19: a typo is not a frame number
                raise ValueError(parts[0])
            number = float(parts[0])
        except ValueError:
            raise NotAFrameIndex(f"{parts[0]!r} is not a frame index") from None
        values.append(frame_index(number))
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_json(text: str) -> bool:
    """A labels file with another extension whose text is a JSON list or object."""
    return text.lstrip()[:1] in ("[", "{")


# A labels file is a list of frame numbers: a few MiB at most for the longest film.
MAX_LABELS_CHARACTERS = 64 * 2 ** 20


def _read_text(path: str) -> str:
    """The text of a labels file: UTF-8, a byte-order mark at its start dropped (else the first
    label would read as a header); UTF-16 or binary content is a UserError."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read(MAX_LABELS_CHARACTERS + 1)  # /dev/zero or a film given by mistake ends here
    except UnicodeDecodeError:
        text = "\0"
    if len(text) > MAX_LABELS_CHARACTERS:
        raise UserError(f"{path}: more than {MAX_LABELS_CHARACTERS // 2 ** 20} MiB of text: not a labels file")
    if "\0" in text:
        raise UserError(f"{path}: not a text labels file (not UTF-8 text; save it as UTF-8, or give a .npy file)")
    return text


def _read_json(path: str):
    """The JSON document of a labels file (UTF-8, with or without a byte-order mark)."""
    return _parse_json(path, _read_text(path))


def _parse_json(path: str, text: str):
    """json.loads(text); a document nested too deeply for the decoder is a UserError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise UserError(f"{path}: not a labels file (its JSON is nested too deeply)") from None


def _check_boundaries(path: str, boundaries: list) -> None:
    """UserError naming the first entry of a {"boundaries": [...]} list that is not usable as it is:
    one without "frame", a "same_setting" that is not a JSON boolean, or a gradual span whose
    "start" (first frame showing the new shot) or "end" (last frame showing the old one) is
    negative, or whose start comes after the frame following its end."""
    settings = {}
    for number, b in enumerate(boundaries, start=1):
        if not isinstance(b, dict):
            continue
        where = f"{path}: boundary {number} of {len(boundaries)}"
        if "frame" not in b:
            raise UserError(f"{where} has no \"frame\" (the first frame of the new shot)")
        if "same_setting" in b and not isinstance(b["same_setting"], bool):
            raise UserError(f"{where}: \"same_setting\" must be true or false, not {json.dumps(b['same_setting'])}")
        try:
            ends = {key: frame_index(b[key]) for key in ("start", "end") if key in b}
        except NotAFrameIndex as err:
            raise UserError(f"{path}: unreadable start/end of a gradual boundary (boundary {number}: {err})")
        for key, value in ends.items():
            if value < 0:
                raise UserError(f"{where}: negative \"{key}\" {value}")
        if len(ends) == 2 and ends["start"] > ends["end"] + 1:
            raise UserError(f"{where}: \"start\" {ends['start']} comes after \"end\" {ends['end']} (start: first "
                            "frame showing the new shot; end: last frame showing the old one)")
        try:
            frame = frame_index(b["frame"])
        except NotAFrameIndex:
            continue  # named by the reading of the frames, with the file's other entries
        if len(ends) == 2 and not ends["start"] <= frame <= ends["end"] + 1:
            raise UserError(f"{where}: \"frame\" {frame} lies outside its span {ends['start']}-{ends['end']} "
                            "(start: first frame showing the new shot; end: last frame showing the old one)")
        keeps = b.get("same_setting") is True
        if settings.setdefault(frame, keeps) != keeps:
            raise UserError(f"{where}: frame {frame} is given twice, once keeping the setting and once not")


def _npy_values(path: str) -> list:
    """Frame indices of a .npy labels file: a 1-D array (or one column) of whole numbers."""
    raw = read_npy(path, "a labels file")
    if raw.ndim > 1 and not (raw.ndim == 2 and raw.shape[1] == 1):
        raise UserError(f"{path}: labels must be a 1-D list of frame indices, found an array of shape {raw.shape}")
    if raw.dtype.kind not in "iuf":
        raise UserError(f"{path}: labels must be whole frame indices, found dtype {raw.dtype}")
    return [frame_index(v) for v in raw.ravel().tolist()]  # a fraction or nan is named as text labels' are


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise UserError(f"label level must be one of {LEVELS}, not {level!r}")


def _at_level(path: str, boundaries: list, level: str) -> list:
    """The boundaries of a {"boundaries": [...]} file that count at `level`."""
    if level == "shot":
        return boundaries
    kept = [b for b in boundaries if not (isinstance(b, dict) and b.get("same_setting") is True)]
    if boundaries and not kept:
        raise UserError(f"{path}: no boundary changes the setting (every one is marked \"same_setting\": true)")
    if not any(isinstance(b, dict) and "same_setting" in b for b in boundaries):
        warnings.warn(f"{path}: no boundary says whether it keeps the setting (\"same_setting\"); every one is "
                      "scored as a change of setting")
    return kept


def load_labels(path: str, convention: str = "pair", level: str = "shot") -> np.ndarray:
    """Sorted unique pair indices from a .npy, .json, .csv or text file of frame indices.

    A JSON object with a "boundaries" list of {"frame": k, ...} (the data sets in
    shared/data) is read in the first_frame convention whatever `convention` says; at the
    scene `level` its boundaries marked "same_setting": true are left out.
    Raises UserError for a missing, unreadable or malformed file.
    """
    if convention not in CONVENTIONS:
        raise UserError(f"label convention must be one of {CONVENTIONS}, not {convention!r}")
    _check_level(level)
    if os.path.isdir(path):
        raise UserError(f"{path}: a folder, not a labels file")
    if not os.path.exists(path):  # a pipe (a shell's <(...)) is read as a text file
        raise UserError(f"{path}: no such labels file")
    level_known = False  # only a {"boundaries": [...]} file can tell the levels apart
    try:
        text = None if path.lower().endswith((".npy", ".json")) else _read_text(path)
        if path.lower().endswith(".npy"):
            values = _npy_values(path)
        elif path.lower().endswith(".json") or _looks_like_json(text):
            data = _read_json(path) if text is None else _parse_json(path, text)
            if isinstance(data, dict) and isinstance(data.get("boundaries"), list):
                _check_boundaries(path, data["boundaries"])
                values = [frame_index(b["frame"] if isinstance(b, dict) else b)
                          for b in _at_level(path, data["boundaries"], level)]
                convention, level_known = "first_frame", True
            elif isinstance(data, dict) and isinstance(data.get("labels"), list):
                values = [frame_index(v) for v in data["labels"]]
            elif isinstance(data, list):
                values = [frame_index(v) for v in data]
            else:
                raise UserError(f"{path}: expected a JSON list of frame indices or {{\"boundaries\": [...]}}")
        else:
            values = _numbers_from_text(path, text)
    except UserError:
        raise
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise UserError(f"{path}: unreadable labels ({_reason(err)})")
    if level == "scene" and not level_known:
        warnings.warn(f"{path}: a list of frame indices says nothing of settings; they are scored as changes of "
                      "setting as they are")
    labels = np.unique(np.asarray(values, dtype=np.int64))
    if labels.size and labels[0] < 0:
        raise UserError(f"{path}: negative frame index {labels[0]} in the labels")
    if convention == "first_frame":
        if labels.size == 1 and labels[0] == 0:  # said as no labels at all, after a warning that left it out
            raise UserError(f"{path}: its one label is frame 0, where the film starts, not a scene change (the "
                            "labels are read as the first frames of new shots)")
        if labels.size and labels[0] == 0:
            warnings.warn(f"{path}: frame 0 is where the film starts, not a scene change; left out")
        labels = pairs_of_first_frames(labels)
    if labels.size == 0:
        raise UserError(f"{path}: no labels in the file")
    return labels


def check_labels_in_range(labels: np.ndarray, num_pairs: int, labels_path: str, against: str,
                          spans: Optional[np.ndarray] = None, first_frames: bool = False) -> Optional[np.ndarray]:
    """UserError when a label points past the last frame pair of the scored frames, or a gradual
    transition's span in `spans` ends past their last frame. `first_frames`: the file gives each
    change as the first frame of the new shot, so the message names that frame, as the file has it.

    Returns the spans, a transition still under way at the last frame (its "end", the last frame
    showing the old shot, is the film's last: a clip cut out of a dissolve) ending at the last pair."""
    if labels.size and labels[-1] >= num_pairs and first_frames:
        raise UserError(f"{labels_path}: label {int(labels[-1]) + 1} (the first frame of a shot) is out of range: "
                        f"{against} has only {num_pairs + 1} frames (0..{num_pairs}); wrong labels file or "
                        "--label_convention?")
    if labels.size and labels[-1] >= num_pairs:
        raise UserError(f"{labels_path}: label {int(labels[-1])} is out of range: {against} has only "
                        f"{num_pairs} frame pairs (0..{num_pairs - 1}); wrong labels file or "
                        "--label_convention?")
    if spans is not None and spans.size and spans[:, 1].max() > num_pairs:  # pair_after(last frame) == num_pairs
        row = int(np.argmax(spans[:, 1]))
        raise UserError(f"{labels_path}: the transition of label {int(labels[row])} ends at frame "
                        f"{int(spans[row, 1])}, out of range: {against} has only {num_pairs + 1} frames "
                        f"(0..{num_pairs})")
    if spans is not None and spans.size:
        spans = spans.copy()
        spans[:, 1] = np.minimum(spans[:, 1], num_pairs - 1)
    return spans


def _transition_spans(transitions: list, non_changes: list = ()) -> tuple:
    """Pairs and pair spans of a generated clip's transitions ({"kind", "start", "end", "label"}),
    and of the cuts among `non_changes` that keep the setting (a cut's pair is its "start")."""
    labels, spans = [], []
    for t in non_changes:
        if isinstance(t, dict) and t.get("kind") in SAME_SETTING_CUT_KINDS:
            labels.append(frame_index(t["start"]))
            spans.append((labels[-1], labels[-1]))
    for t in transitions:
        label = frame_index(t["label"])
        labels.append(label)
        spans.append((label, label) if t["kind"] == "cut"
                     else transition_pairs(frame_index(t["start"]), frame_index(t["end"])))
    return labels, spans


def _film_part(data):
    """The part of a labels document that labels one film: the sample's truth holds a training
    and a validation clip, and its labels are the validation clip's."""
    if isinstance(data, dict) and isinstance(data.get("val"), dict) and "transitions" in data["val"]:
        return data["val"]
    return data


def load_label_spans(path: str, convention: str = "pair", level: str = "shot") -> tuple:
    """(labels, spans): sorted pair labels as load_labels reads them at `level` ("shot": every
    boundary between shots; "scene": the changes of setting), and (K, 2) int64 first and last
    pair of each label's transition, so that a detection anywhere inside a gradual transition
    can find it. A cut's span is its own pair.

    Spans come from a JSON {"boundaries": [...]} whose gradual entries give "start" (first
    frame showing the new shot) and "end" (last frame showing the old one), or from the
    generator's truth ({"transitions": [...]}, or its "val" clip in the sample's truth.json).
    Every other file gives labels without spans.
    """
    data = None
    if os.path.isfile(path) and not path.lower().endswith(".npy"):
        try:
            text = _read_text(path)
            if path.lower().endswith(".json") or _looks_like_json(text):
                data = _parse_json(path, text)
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: unreadable labels ({_reason(err)})")
    data = _film_part(data)
    _check_level(level)
    if isinstance(data, dict) and isinstance(data.get("transitions"), list):
        try:
            same_setting_cuts = data.get("non_changes") if level == "shot" else None
            labels, spans = _transition_spans(data["transitions"], same_setting_cuts or [])
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"{path}: unreadable transitions ({_reason(err)})")
        if not labels:
            raise UserError(f"{path}: no labels in the file")
    elif isinstance(data, dict) and isinstance(data.get("boundaries"), list):
        labels = load_labels(path, convention, level)
        by_label = {}
        try:
            for b in data["boundaries"]:
                if isinstance(b, dict) and "start" in b and "end" in b:
                    by_label[pair_into(frame_index(b["frame"]))] = transition_pairs(frame_index(b["start"]),
                                                                                     frame_index(b["end"]))
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"{path}: unreadable start/end of a gradual boundary ({_reason(err)})")
        spans = [by_label.get(int(p), (int(p), int(p))) for p in labels]
        labels = labels.tolist()
    else:
        labels = load_labels(path, convention, level)
        return labels, np.stack([labels, labels], axis=1)
    order = np.argsort(labels, kind="stable")
    labels = np.asarray(labels, dtype=np.int64)[order]
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)[order]
    if labels[0] < 0:
        raise UserError(f"{path}: negative frame index {labels[0]} in the labels")
    spans[:, 0] = np.maximum(np.minimum(spans[:, 0], labels), 0)
    spans[:, 1] = np.maximum(spans[:, 1], labels)
    return labels, spans


def labels_on_sampled_pairs(labels: np.ndarray, spans: np.ndarray, source_index: np.ndarray,
                            labels_path: str, against: str) -> tuple:
    """(labels, spans) of source-frame pairs moved onto the pairs of the frames kept by --fps:
    a change between source frames p and p+1 lies in sampled pair j when kept frame j is at or
    before p and kept frame j+1 after it. Labels falling in one sampled pair become one.

    A label outside the kept frames is a UserError (as check_labels_in_range says for pairs).
    """
    index = np.asarray(source_index, dtype=np.int64)
    outside = labels[(labels < index[0]) | (labels >= index[-1])]
    if outside.size:
        raise UserError(f"{labels_path}: label {int(outside[0])} is out of range: {against} covers source "
                        f"frames {int(index[0])}..{int(index[-1])}; wrong labels file or --label_convention?")
    beyond = spans[spans[:, 1] > index[-1], 1]  # pair_after(the last kept frame): under way at the end
    if beyond.size:
        raise UserError(f"{labels_path}: a transition ends at frame {int(beyond[0])}, out of range: {against} "
                        f"covers source frames {int(index[0])}..{int(index[-1])}")

    def pair(frames: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(index, frames, side="right") - 1, 0, len(index) - 2)

    moved, first, last = pair(labels), pair(spans[:, 0]), pair(spans[:, 1])
    unique = np.unique(moved)
    merged = np.array([[first[moved == j].min(), last[moved == j].max()] for j in unique], dtype=np.int64)
    return unique, merged.reshape(-1, 2)


FRAME_COUNT_SLACK = 2


def stated_frame_count(path: str) -> Optional[int]:
    """The length of the film a JSON labels file says it labels ("n_frames", or the generator's
    "num_frames", of its "val" clip in the sample's truth), or None where it says none."""
    if not (path.lower().endswith(".json") and os.path.isfile(path)):
        return None
    try:
        data = _read_json(path)
    except (OSError, ValueError):
        return None  # load_label_spans says what is wrong with it
    data = _film_part(data)
    if not isinstance(data, dict):
        return None
    key = "n_frames" if "n_frames" in data else "num_frames"
    if data.get(key) is None:
        return None
    try:
        count = frame_index(data[key])
    except NotAFrameIndex:
        count = 0
    if count <= 0:  # a length that cannot be read would let labels of another film through unchecked
        raise UserError(f"{path}: \"{key}\" must be the number of frames of the film it labels (a whole number "
                        f"above 0), not {json.dumps(data[key])[:40]}")
    return count


def check_same_film(path: str, source_frames: Optional[int], against: str) -> None:
    """UserError when the labels file `path` says it labels a film of another length than the
    `source_frames` frames of `against` (more than FRAME_COUNT_SLACK frames or 1% apart): labels of
    another film, even where they fall in range."""
    stated = stated_frame_count(path)
    # a few frames apart is the same film counted another way (container metadata, a video that
    # broke off near its end); labels past its frames are refused by the range check
    if stated is not None and source_frames is not None and \
            abs(stated - int(source_frames)) > max(FRAME_COUNT_SLACK, 0.01 * stated):
        raise UserError(f"{path}: labels of a film of {stated} frames, but {against} has {int(source_frames)}; "
                        "wrong labels file?")


def labels_of_frames(path: str, convention: str, source_index: np.ndarray, against: str,
                     source_frames: Optional[int] = None) -> tuple:
    """(labels, spans) of the labels file `path` on the pairs of the frames whose source frame
    numbers are `source_index` (moved onto the kept frames' pairs where --fps sampled them),
    checked to lie within them, and to be for a film of `source_frames` frames where the file
    says its length; `against` names those frames in the message."""
    check_same_film(path, source_frames, against)
    labels, spans = load_label_spans(path, convention)
    index = np.asarray(source_index, dtype=np.int64)
    if not np.array_equal(index, np.arange(index.size)):  # --fps kept some frames only
        labels, spans = labels_on_sampled_pairs(labels, spans, index, path, against)
    spans = check_labels_in_range(labels, index.size - 1, path, against, spans,
                                  first_frames=reads_first_frames(path, convention))
    return labels, spans


def follows_convention(path: str) -> bool:
    """Whether --label_convention decides how the labels of `path` are read: true for a plain
    list of frame indices (.npy, text, CSV, a JSON list), false for a file that says its own
    ({"boundaries": [...]} with first frames, the generator's truth)."""
    return _own_convention(path) is None


def reads_first_frames(path: str, convention: str) -> bool:
    """Whether the labels of `path` give each change as the first frame of the new shot: read with
    --label_convention first_frame, or a {"boundaries": [...]} file, which always gives them so."""
    return (_own_convention(path) or convention) == "first_frame"


def _own_convention(path: str) -> Optional[str]:
    """The convention a labels file says it is in (as load_label_spans reads it), or None."""
    if path.lower().endswith(".npy") or not os.path.isfile(path):
        return None
    try:
        text = _read_text(path)
        data = _parse_json(path, text) if path.lower().endswith(".json") or _looks_like_json(text) else None
    except (OSError, ValueError, UserError):
        return None
    data = _film_part(data)
    if isinstance(data, dict) and isinstance(data.get("transitions"), list):
        return "pair"  # the generator's truth
    if isinstance(data, dict) and isinstance(data.get("boundaries"), list):
        return "first_frame"
    return None


OTHER_CONVENTION = {"pair": ("first_frame", -1, "after"), "first_frame": ("pair", 1, "before")}


def other_convention_hint(labels: np.ndarray, found: np.ndarray, convention: str) -> str:
    """'' unless the labels (pairs, as read in `convention`) look like the other convention's
    against the pairs `found` (changes detected, or the top of a ranking): most of them lie one
    pair off a pair found, in the direction the other convention would move them, and at most
    half as many on one. Else the sentence that says so."""
    other, shift, side = OTHER_CONVENTION[convention]
    labels = np.asarray(labels, dtype=np.int64)
    found = np.asarray(found, dtype=np.int64)
    if labels.size < 3 or found.size == 0:
        return ""
    on = int(np.isin(labels, found).sum())
    off = int(np.isin(labels + shift, found).sum())
    if off * 2 < labels.size or off <= 2 * on:
        return ""
    meaning = ("index = first frame of the new shot" if other == "first_frame"
               else "index i = a change between frames i and i+1")
    return (f"{off} of {labels.size} labels lie one frame {side} a change found and {on} on one: the labels look "
            f"like --label_convention {other} ({meaning}); if they are, pass it")
