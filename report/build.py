"""Build report.html for a results folder: the score along the film, the pictures either side
of each change (hits, false alarms and misses when labels are given), the scenes as groups of
shots, reconstructions, a
t-SNE map of the latent means, the training loss and the run's settings.

Everything is read from the files main.py and inference.py wrote, plus the film's frames; the
model is not run. The PNGs go into report_files/ beside report.html (the folder is replaced
as a whole, then the page is written), so the page opens from disk with no server.
"""

import os
import shutil
import sys
from typing import Collection, Dict, List, Optional, Tuple

import numpy as np

from data.cache import FrameCache, default_cache_dir
from data.sample import SAMPLE_FOLDER, bundled_sample
from evaluation.labels import labels_of_frames
from evaluation.metrics import match_with_tolerance
from report import figures, page
from report.frames import film_pictures, save_before_after, save_picture_row
from report.outcomes import (Change, Outcomes, decision_line, detected_changes, scene_of_each_frame,
                             split_by_labels)
from report.run_files import RunResults, load_run_results, loss_history, open_film, training_options
from scenes.lists import timecode
from selection.candidate import read_candidates_csv
from utils.atomic import save_text, scratch_folder, write_folder_with
from utils.errors import UserError, read_path
from utils.plots import has_validation, plot_loss_history
from utils.result_sets import REPORT_EMBEDDED, REPORT_FILES, REPORT_PAGE, result_path

# Before/after pairs shown per group (the most confident first; misses: the nearest first).
CHANGES_SHOWN = 50
# Scenes shown as rows of their shots' middle frames, and shots shown per scene.
SCENES_SHOWN = 60
SHOTS_SHOWN = 12
# Height of a shot's picture in a scene's row (pixels).
SHOT_HEIGHT = 72


def build_report(results_folder: str, labels: Optional[str] = None, label_convention: str = "pair",
                 tolerance: int = 2, epoch: Optional[int] = None, model_folder: Optional[str] = None,
                 image_folder: Optional[str] = None, cache_dir: Optional[str] = None,
                 fps: Optional[float] = None, embed: bool = False, shown_folder: Optional[str] = None,
                 training_options: Optional[Collection[str]] = None) -> str:
    """Write `results_folder`/report.html for checkpoint `epoch` (default: the newest with
    results); returns its path.

    labels: a labels file as pure_test.py reads it (default: the bundled sample's truth when
    the results are of the bundled sample). model_folder: where main.py wrote the loss history,
    reconstructions and checkpoints (default: the results folder). image_folder, cache_dir,
    fps: where the frames are, when they are not where inference.py found them. embed: write
    report_embedded.html instead, one file with the pictures inside it (for a notebook's output).
    shown_folder: where the page will be once inference.py swaps its staging folder in, for the message.
    training_options: the names of main.py's options to show from the checkpoint (default: every
    option it holds).
    """
    if model_folder is not None:  # given, a folder that is not there left the training out without a word
        read_path(os.listdir, model_folder, "model folder")
    results = load_run_results(results_folder, epoch)
    if image_folder is None and not os.path.exists(results.source):
        raise UserError(f"{results.source}: the film of {results_folder} (as scenes_{results.epoch}.json "
                        f"records it) is not there; name it with --image_folder")
    cache = open_film(image_folder or results.source, len(results.latent_mu), cache_dir, fps)
    labels = labels or bundled_sample_truth(cache.source, cache_dir)
    outcomes, label_pairs, scores = _outcomes(results, cache, labels, label_convention, tolerance)
    model_folder = model_folder or results_folder
    body: List[str] = []

    def write_pictures(folder: str) -> None:
        body.extend(_summary(results, cache, labels, scores, outcomes))
        body.extend(_score_section(results, cache, outcomes, folder, labels is not None))
        groups, scenes = _change_groups(outcomes, labels is not None), _scene_rows(results)
        # the film is decoded once for the pictures of both sections
        pictures = film_pictures(cache, _change_frames(groups) + _scene_frames(scenes))
        body.extend(_changes_section(groups, cache, pictures, folder, _candidates(results)))
        body.extend(_scenes_section(scenes, results, cache, pictures, folder))
        body.extend(_reconstruction_section(model_folder, folder))
        body.extend(_tsne_section(results, outcomes, label_pairs, folder))
        body.extend(_training_section(model_folder, results.epoch, folder, training_options))

    title = f"Scene changes in {_film_name(cache.source)}"
    if embed:  # a scratch folder a kill leaves is deleted by the next run, as the writers' temporaries are
        with scratch_folder(os.path.join(results_folder, REPORT_EMBEDDED)) as folder:
            write_pictures(folder)
            html = page.embed_pictures(page.page(title, body), folder, REPORT_FILES)
        path = save_text(os.path.join(results_folder, REPORT_EMBEDDED), html)
    else:
        write_folder_with(os.path.join(results_folder, REPORT_FILES), write_pictures)
        path = save_text(os.path.join(results_folder, REPORT_PAGE), page.page(title, body))
    shown = os.path.join(shown_folder, os.path.basename(path)) if shown_folder else path
    print(f"report: {shown}", file=sys.stderr)
    return path


def bundled_sample_truth(source: str, cache_dir: Optional[str]) -> Optional[str]:
    """The bundled sample's truth.json when `source` is its validation clip, else None."""
    if not os.path.isdir(os.path.join(cache_dir or default_cache_dir(), SAMPLE_FOLDER)):
        return None
    sample = bundled_sample(cache_dir)
    same = os.path.exists(source) and os.path.samefile(source, sample["val"])
    return sample["truth"] if same else None


def _outcomes(results: RunResults, cache: FrameCache, labels: Optional[str], convention: str,
              tolerance: int) -> Tuple[Outcomes, Optional[np.ndarray], Optional[Dict]]:
    """Detections split by the labels, the labels' pairs (moved onto the kept frames' pairs, as
    pure_test.py does, when --fps sampled the film), and pure_test.py's scores of them."""
    detected = detected_changes(results.flags, results.change_scores, results.events, results.confidence)
    if labels is None:
        return Outcomes(detected=detected), None, None
    # checked against the film's pairs, which are the results' (load_run_results, open_film)
    label_pairs, spans = labels_of_frames(labels, convention, cache.source_index, results.folder,
                                          cache.source_frames)
    scores = match_with_tolerance(np.flatnonzero(results.flags), label_pairs, tolerance, spans)
    scores["tolerance"] = tolerance
    return split_by_labels(detected, results.change_scores, label_pairs, spans, tolerance), label_pairs, scores


def _film_name(source: str) -> str:
    """The video's file name, or a frame folder's name with its parent's (`sample-v1/val`)."""
    path = os.path.normpath(source)
    if os.path.isdir(path):
        return "/".join(part for part in (os.path.basename(os.path.dirname(path)), os.path.basename(path)) if part)
    return os.path.basename(path)


def _summary(results: RunResults, cache: FrameCache, labels: Optional[str], scores: Optional[Dict],
             outcomes: Outcomes) -> List[str]:
    kept = "" if len(cache) == cache.source_frames else f" kept of {cache.source_frames}"
    rows = [("film", cache.source),
            ("frames", f"{len(cache)}{kept} ({timecode(cache.end_time)}, {cache.source_fps:g} fps)"),
            ("checkpoint", f"epoch {results.epoch}"),
            ("shot changes found", f"{len(outcomes.detected)} ({len(outcomes.detected) + 1} shots)")]
    if results.setting_flags is not None:
        settings = int(results.setting_flags.sum())
        rows.append(("changes of setting", f"{settings} ({settings + 1} scenes)"))
    if scores is not None:
        rows += [("labels", f"{labels}: {scores['labels']} true changes"),
                 ("hits / false alarms / misses",
                  f"{len(outcomes.hits)} / {len(outcomes.false_alarms)} / {len(outcomes.misses)}"),
                 (f"precision / recall / F1 (tolerance {scores['tolerance']} frames)",
                  f"{scores['precision']:.3f} / {scores['recall']:.3f} / {scores['f1']:.3f}")]
    else:
        rows.append(("labels", "none given (--labels): every detection is shown, unjudged"))
    links = [("score", "score along the film"), ("changes", "changes")]
    links += [("scenes", "scenes")] if results.setting_flags is not None else []
    links += [("reconstructions", "reconstructions"),
             ("tsne", "latent map"), ("training", "training")]
    return [page.heading(f"Scene changes in {_film_name(cache.source)}", level=1), page.navigation(links),
            page.facts(rows)]


def _pair_times(cache: FrameCache) -> np.ndarray:
    """Time of the first frame after each pair: where a change shows on the screen."""
    return np.asarray(cache.timestamps[1:], dtype=np.float64)


def _marks(outcomes: Outcomes, labelled: bool) -> Dict[str, List[Change]]:
    if labelled:
        return {"hits": outcomes.hits, "false_alarms": outcomes.false_alarms, "misses": outcomes.misses}
    return {"detected": outcomes.detected}


def _score_section(results: RunResults, cache: FrameCache, outcomes: Outcomes, folder: str,
                   labelled: bool) -> List[str]:
    times, duration = _pair_times(cache), cache.end_time
    marks = _marks(outcomes, labelled)
    html = [page.heading("The change score along the film", anchor="score"),
            page.note("Each frame pair's confidence that the scene changes there (the largest over all time "
                      "scales, floored at -8 for legibility); a change is reported at 0 and above (dashed "
                      "line). " + ("Green: hits; red: false alarms; orange: missed true changes (shaded "
                                   "over a gradual transition's span)." if labelled
                                   else "Red: the detected changes.") + " Click a picture to open it alone.")]
    figures.plot_score_strip(times, results.change_scores, marks, os.path.join(folder, "score_film.png"),
                             (0.0, duration), "whole film")
    html.append(page.figure(f"{REPORT_FILES}/score_film.png", "change score, whole film"))
    bounds = figures.strip_bounds(duration)
    if len(bounds) > 1:
        html.append(page.heading(f"In strips of {_strip_length(bounds)}", level=3))
        for number, window in enumerate(bounds):
            name = f"score_strip_{number:03d}.png"
            label = f"{figures.axis_time(window[0])} to {figures.axis_time(min(window[1], duration))}"
            figures.plot_score_strip(times, results.change_scores, marks, os.path.join(folder, name), window, label)
            html.append(page.figure(f"{REPORT_FILES}/{name}", f"change score, {label}"))
    return html


def _strip_length(bounds: List[Tuple[float, float]]) -> str:
    seconds = bounds[0][1] - bounds[0][0]
    return f"{seconds / 60:g} minute" + ("s" if seconds != 60 else "")


def _change_groups(outcomes: Outcomes, labelled: bool) -> List[Tuple[str, str, str, List[Change]]]:
    """(kind, title, explanation, changes) of each group of changes the report shows."""
    if not labelled:
        return [("detected", "Detected changes", "most confident first", outcomes.detected)]
    return [("hit", "Hits", "detected changes that found a true change, most confident first", outcomes.hits),
            ("false-alarm", "False alarms", "detected changes with no true change within the tolerance, "
                                           "most confident first", outcomes.false_alarms),
            ("miss", "Misses", "true changes no detection found, highest score first (the nearest misses)",
             outcomes.misses)]


def _candidates(results: RunResults) -> Optional[List[dict]]:
    """The rows of the results' change_candidates_<i>.csv (None where an earlier release wrote none)."""
    path = result_path(results.folder, "change_candidates", results.epoch)
    try:
        return read_candidates_csv(path)
    except (OSError, ValueError, KeyError):
        return None


def _change_frames(groups) -> List[int]:
    """The frames either side of every change shown."""
    return [index for _, _, _, changes in groups for c in changes[:CHANGES_SHOWN] for index in (c.first, c.last + 1)]


def _changes_section(groups, cache: FrameCache, pictures: Dict, folder: str,
                     candidates: Optional[List[dict]] = None) -> List[str]:
    """The before/after pictures of each change shown; each false alarm and miss says which stage
    of the selection decided it (from change_candidates_<i>.csv, where the results hold one)."""
    html = [page.heading("The pictures either side of each change", anchor="changes"),
            page.note("Left: the last frame before the change; right: the first frame after it (for a "
                      "labelled gradual transition, the frames just outside its span). Frame numbers count "
                      "from 0 in the source's decode order, as label files do; the time is where the "
                      "detection (or, for a miss, the label) puts the change; confidence 0 is the decision "
                      "level.")]
    for kind, title, explanation, changes in groups:
        html.append(page.heading(f"{title}: {len(changes)}", level=3))
        if len(changes) > CHANGES_SHOWN:
            explanation += f"; the first {CHANGES_SHOWN} shown"
        html.append(page.note(explanation))
        items = []
        for number, change in enumerate(changes[:CHANGES_SHOWN]):
            name = f"{kind}_{number:03d}.png"
            save_before_after(pictures[change.first], pictures[change.last + 1], os.path.join(folder, name))
            decided = decision_line(candidates, change, kind == "miss") if kind in ("false-alarm", "miss") else None
            items.append((f"{REPORT_FILES}/{name}", _card_lines(change, cache) + ([decided] if decided else [])))
        html.append(page.cards(kind, items))
    return html


def _scene_rows(results: RunResults) -> Optional[List[List[Tuple[int, int]]]]:
    """Each scene (change of setting) as its shots' (first frame, middle frame), or None for
    results without the scene level. The middle frame shows the shot: its first may lie inside
    a gradual transition."""
    if results.setting_flags is None:
        return None
    starts = np.concatenate([[0], np.flatnonzero(results.flags) + 1])
    middles = (starts + np.append(starts[1:], len(results.latent_mu))) // 2
    scene_starts = set((np.flatnonzero(results.setting_flags) + 1).tolist())
    scenes: List[List[Tuple[int, int]]] = []
    for start, middle in zip(starts.tolist(), middles.tolist()):
        if not scenes or start in scene_starts:
            scenes.append([])
        scenes[-1].append((start, middle))
    return scenes


def _scene_frames(scenes) -> List[int]:
    """The middle frames of the shots shown."""
    return [middle for shots in (scenes or [])[:SCENES_SHOWN] for _, middle in shots[:SHOTS_SHOWN]]


def _scenes_section(scenes, results: RunResults, cache: FrameCache, pictures: Dict, folder: str) -> List[str]:
    """Each scene as a row of its shots' middle frames."""
    if scenes is None:
        return []
    shot_count = int(results.flags.sum()) + 1
    html = [page.heading(f"Scenes and their shots: {len(scenes)} scenes, {shot_count} shots", anchor="scenes"),
            page.note("Each row is one scene (a change of setting starts the next); each picture is the middle "
                      "frame of one of its shots. A conversation cut between angles of one set is one row."
                      + (f" The first {SCENES_SHOWN} scenes are shown." if len(scenes) > SCENES_SHOWN else ""))]
    items = []
    for number, shots in enumerate(scenes[:SCENES_SHOWN]):
        name = f"scene_{number:03d}.png"
        save_picture_row([pictures[middle] for _, middle in shots[:SHOTS_SHOWN]], os.path.join(folder, name),
                         SHOT_HEIGHT)
        first = shots[0][0]
        lines = [f"scene {number + 1}: {timecode(float(cache.timestamps[first]))}",
                 f"{len(shots)} shot{'s' if len(shots) > 1 else ''}, from frame {int(cache.source_index[first])}"]
        if len(shots) > SHOTS_SHOWN:
            lines.append(f"the first {SHOTS_SHOWN} shots shown")
        items.append((f"{REPORT_FILES}/{name}", lines))
    html.append(page.cards("scene", items))
    return html


def _card_lines(change: Change, cache: FrameCache) -> List[str]:
    """Caption of a before/after pair: when, which frames are shown, how sure, what was true."""
    def frame(index: int) -> int:
        return int(cache.source_index[index])

    lines = [timecode(float(cache.timestamps[change.pair + 1])), f"frames {frame(change.first)} | "
             f"{frame(change.last + 1)}", f"confidence {change.score:+.2f}"]
    if change.first < change.last:
        lines.append(f"gradual transition, frames {frame(change.first + 1)}-{frame(change.last)}")
    if change.label is not None and change.label != change.pair:
        lines.append(f"labelled at frame {frame(change.label + 1)}")
    return lines


def _reconstruction_section(model_folder: str, folder: str) -> List[str]:
    html = [page.heading("Frames and their reconstructions", anchor="reconstructions")]
    source = os.path.join(model_folder, "reconstructions.png")
    if not os.path.isfile(source):
        return html + [page.note(f"{source} is not there (main.py writes it at the end of training).")]
    shutil.copyfile(source, os.path.join(folder, "reconstructions.png"))
    return html + [page.note("Top row: frames as the model sees them (64x64; validation frames when main.py "
                             "had --val_folder, else training frames); bottom row: their reconstructions by the "
                             "model of the last epoch main.py trained."),
                   page.figure(f"{REPORT_FILES}/reconstructions.png", "frames above their reconstructions",
                               css_class="pixels")]


def _tsne_section(results: RunResults, outcomes: Outcomes, label_pairs: Optional[np.ndarray],
                  folder: str) -> List[str]:
    html = [page.heading("A map of the latent means (t-SNE)", anchor="tsne")]
    frame_count = len(results.latent_mu)
    chosen = figures.tsne_subset(frame_count)
    if len(chosen) < 4:
        return html + [page.note(f"{frame_count} frames: too few to map.")]
    colourings = []
    if label_pairs is not None:
        colourings.append(("coloured by true scene", scene_of_each_frame(label_pairs, frame_count)[chosen]))
    detected = np.array([c.pair for c in outcomes.detected], dtype=np.int64)
    colourings.append(("coloured by detected scene", scene_of_each_frame(detected, frame_count)[chosen]))
    figures.plot_tsne(figures.tsne_map(results.latent_mu[chosen]), colourings, os.path.join(folder, "tsne.png"))
    subset = ("every frame" if len(chosen) == frame_count else
              f"{len(chosen)} evenly spaced frames of {frame_count} (the map is capped at "
              f"{figures.TSNE_MAX_POINTS} points)")
    return html + [page.note(f"Each point is a frame's latent mean, placed by t-SNE ({subset}); a faint line "
                             "joins the frames in film order. Frames of one scene share a colour (20 colours "
                             "in turn), so a scene the model tells apart forms its own cluster."),
                   page.figure(f"{REPORT_FILES}/tsne.png", "t-SNE map of the latent means")]


def _training_section(model_folder: str, epoch: int, folder: str, shown: Optional[Collection[str]]) -> List[str]:
    html = [page.heading("Training", anchor="training")]
    history = loss_history(model_folder)
    if history is None:
        html.append(page.note(f"No loss_history.json in {model_folder}."))
    else:
        plot_loss_history(history, os.path.join(folder, "loss_history.png"))
        html += [page.note("Mean loss terms per epoch on the training frames" +
                           (", and the loss on up to 1024 validation frames (validation)." if has_validation(history)
                            else "; the run had no validation frames (--val_folder), so there is no validation "
                                 "curve.")),
                 page.figure(f"{REPORT_FILES}/loss_history.png", "training loss per epoch")]
    options = training_options(model_folder, epoch)
    if options is None:
        return html + [page.note(f"No checkpoint of epoch {epoch} with its options in {model_folder}.")]
    rows = [(name, " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
            for name, value in sorted(options.items(), key=lambda item: item[0].lower())
            if shown is None or name in shown]
    return html + [page.heading(f"main.py's settings for the checkpoint of epoch {epoch}", level=3),
                   page.facts_in_columns(rows, 3)]

