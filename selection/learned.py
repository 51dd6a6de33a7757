"""A learned decision: logistic regression over what the stages measured, instead of "every cap >= 0".

The hand rules keep a candidate when every stage's cap (a log ratio) is at least 0: each rule
vetoes alone, with the bar it was given. A learned decision weighs the same numbers together:
the score, the layout's confirmation, the spread, the camera test, the scale and the kind of
candidate, fitted on the tuning films (benchmarks/learned.py retrains it and says how it
compares). It decides among the events the stages left (one per event); its confidence is the
log-odds of a true change, so 0 is the decision level as before. Switched on with
SelectionConfig(decision="learned").
"""

import json
import os
from typing import Dict, List

import numpy as np

from selection.candidate import Candidate

MODEL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "learned_decision.json")
CAPPED = ("score", "layout_confirm", "layout_spread", "camera_move")
# a stage that did not look (a cut has no spread, a still shot no camera) did not object
NOT_LOOKED = 8.0
FEATURES = tuple(f"cap_{s}" for s in CAPPED) + ("cut", "log_scale", "split_cut", "dip", "evidence")


def features(candidates: List[Candidate]) -> np.ndarray:
    """(len(candidates), len(FEATURES)) float64: the caps each stage set (clipped to +-8), the
    kind and scale of the candidate, and its evidence before the layout's test."""
    rows = []
    for c in candidates:
        caps = [float(np.clip(c.caps.get(s, NOT_LOOKED), -NOT_LOOKED, NOT_LOOKED)) for s in CAPPED]
        rows.append(caps + [float(c.scale == 0), float(np.log2(c.scale + 1)), float(c.source == "split cut"),
                            float(c.source == "dip"), float(np.clip(c.evidence, -NOT_LOOKED, NOT_LOOKED))])
    return np.asarray(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))


def load(path: str = MODEL_FILE) -> Dict:
    """The fitted model: {"features", "mean", "scale", "coef", "intercept", "trained_on"}."""
    try:
        with open(path) as f:
            model = json.load(f)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: no learned decision to read ({error}); fit one with "
                         "python -m benchmarks.learned") from None
    if tuple(model.get("features", ())) != FEATURES:
        raise ValueError(f"{path}: a learned decision over other features; retrain it with "
                         "python -m benchmarks.learned")
    return model


def log_odds(model: Dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return z @ np.asarray(model["coef"]) + float(model["intercept"])


def decide(candidates: List[Candidate], model: Dict) -> None:
    """Gives every candidate the learned log-odds as its confidence, with the feature that
    weighed most in words."""
    if not candidates:
        return
    x = features(candidates)
    odds = log_odds(model, x)
    weights = (x - np.asarray(model["mean"])) / np.asarray(model["scale"]) * np.asarray(model["coef"])
    for c, value, w in zip(candidates, odds, weights):
        top = int(np.argmax(np.abs(w)))
        c.decide("learned", float(value), f"learned decision: log-odds {value:+.2f}, most of it from "
                                          f"{FEATURES[top]} ({w[top]:+.2f})")
