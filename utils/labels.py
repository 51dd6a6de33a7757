"""Read scene-change labels and bring them to the project's convention.

The project's convention (the original's): pair index i = a change between frame i and
frame i+1. Most shot-boundary data sets instead give the first frame of the new shot
(convention "first_frame"), which is pair index frame - 1.
"""

import csv
import json
import os
import re

import numpy as np

from utils.errors import UserError

CONVENTIONS = ("pair", "first_frame")


def _numbers_from_text(path: str, text: str) -> list:
    """Integers of a plain or CSV list; a header row or a non-numeric first column is skipped."""
    values = []
    for row in csv.reader(text.splitlines()):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        if not re.fullmatch(r"[+-]?\d+(\.0*)?", cells[0]):
            if values:
                raise UserError(f"{path}: {cells[0]!r} is not a frame index")
            continue  # header
        values.append(int(float(cells[0])))
    return values


def load_labels(path: str, convention: str = "pair") -> np.ndarray:
    """Sorted unique pair indices from a .npy, .json, .csv or text file of frame indices.

    A JSON object with a "boundaries" list of {"frame": k, ...} (the data sets in
    shared/data) is read in the first_frame convention whatever `convention` says.
    Raises UserError for a missing, unreadable or malformed file.
    """
    if convention not in CONVENTIONS:
        raise UserError(f"label convention must be one of {CONVENTIONS}, not {convention!r}")
    if not os.path.isfile(path):
        raise UserError(f"{path}: no such labels file")
    try:
        if path.lower().endswith(".npy"):
            raw = np.load(path, allow_pickle=False)
            if raw.dtype.kind not in "iuf" or (raw.dtype.kind == "f" and not np.all(raw == np.round(raw))):
                raise UserError(f"{path}: labels must be whole frame indices, found dtype {raw.dtype}")
            values = raw.astype(np.int64).ravel().tolist()
        elif path.lower().endswith(".json"):
            with open(path) as handle:
                data = json.load(handle)
            if isinstance(data, dict) and isinstance(data.get("boundaries"), list):
                values = [int(b["frame"]) if isinstance(b, dict) else int(b) for b in data["boundaries"]]
                convention = "first_frame"
            elif isinstance(data, dict) and isinstance(data.get("labels"), list):
                values = [int(v) for v in data["labels"]]
            elif isinstance(data, list):
                values = [int(v) for v in data]
            else:
                raise UserError(f"{path}: expected a JSON list of frame indices or {{\"boundaries\": [...]}}")
        else:
            with open(path) as handle:
                values = _numbers_from_text(path, handle.read())
    except UserError:
        raise
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise UserError(f"{path}: unreadable labels ({err.__class__.__name__}: {err})".splitlines()[0])
    labels = np.unique(np.asarray(values, dtype=np.int64))
    if convention == "first_frame":
        labels = labels - 1
        labels = labels[labels >= 0]  # a "change" before the first frame is no change
    if labels.size == 0:
        raise UserError(f"{path}: no labels in the file")
    if labels[0] < 0:
        raise UserError(f"{path}: negative frame index {labels[0]} in the labels")
    return labels


def check_labels_in_range(labels: np.ndarray, num_pairs: int, labels_path: str, against: str) -> None:
    """UserError when a label points past the last frame pair of the scored frames."""
    if labels.size and labels[-1] >= num_pairs:
        raise UserError(f"{labels_path}: label {int(labels[-1])} is out of range: {against} has only "
                        f"{num_pairs} frame pairs (0..{num_pairs - 1}); wrong labels file or "
                        "--label_convention?")


def _transition_spans(transitions: list) -> tuple:
    """Pairs and pair spans of a generated clip's transitions ({"kind", "start", "end", "label"})."""
    labels, spans = [], []
    for t in transitions:
        label = int(t["label"])
        labels.append(label)
        spans.append((label, label) if t["kind"] == "cut" else (int(t["start"]) - 1, int(t["end"])))
    return labels, spans


def load_label_spans(path: str, convention: str = "pair") -> tuple:
    """(labels, spans): sorted pair labels as load_labels reads them, and (K, 2) int64 first and
    last pair of each label's transition, so that a detection anywhere inside a gradual
    transition can find it. A cut's span is its own pair.

    Spans come from a JSON {"boundaries": [...]} whose gradual entries give "start" (first
    frame showing the new shot) and "end" (last frame showing the old one), or from the
    generator's truth ({"transitions": [...]}, or its "val" clip in the sample's truth.json).
    Every other file gives labels without spans.
    """
    data = None
    if path.lower().endswith(".json") and os.path.isfile(path):
        try:
            with open(path) as handle:
                data = json.load(handle)
        except (OSError, ValueError) as err:
            raise UserError(f"{path}: unreadable labels ({err.__class__.__name__}: {err})".splitlines()[0])
    if isinstance(data, dict) and isinstance(data.get("val"), dict) and "transitions" in data["val"]:
        data = data["val"]
    if isinstance(data, dict) and isinstance(data.get("transitions"), list):
        try:
            labels, spans = _transition_spans(data["transitions"])
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"{path}: unreadable transitions ({err.__class__.__name__}: {err})")
        if not labels:
            raise UserError(f"{path}: no labels in the file")
    elif isinstance(data, dict) and isinstance(data.get("boundaries"), list):
        labels = load_labels(path, convention)
        by_label = {}
        try:
            for b in data["boundaries"]:
                if isinstance(b, dict) and "start" in b and "end" in b:
                    by_label[int(b["frame"]) - 1] = (int(b["start"]) - 1, int(b["end"]))
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"{path}: unreadable start/end of a gradual boundary ({err.__class__.__name__}: {err})")
        spans = [by_label.get(int(p), (int(p), int(p))) for p in labels]
        labels = labels.tolist()
    else:
        labels = load_labels(path, convention)
        return labels, np.stack([labels, labels], axis=1)
    order = np.argsort(labels, kind="stable")
    labels = np.asarray(labels, dtype=np.int64)[order]
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)[order]
    if labels[0] < 0:
        raise UserError(f"{path}: negative frame index {labels[0]} in the labels")
    spans[:, 0] = np.maximum(np.minimum(spans[:, 0], labels), 0)
    spans[:, 1] = np.maximum(spans[:, 1], labels)
    return labels, spans
