"""The change selection: latents (and the frames' pictures) in, scene changes out, each decision recorded.

    score.py      the score: KL across a span against the motion on either side and the film's variety
    drawing.py, hold.py, local_hold.py, split_cut.py, layout_view.py, large_step.py,
    one_picture.py, layout_spread.py, flash_return.py, camera_move.py, fade_through_black.py, one_pick.py
                  one module per rule, each saying which failure it exists for
    config.py     SelectionConfig: every constant and tunable, with its reason and provenance
    candidate.py  Candidate: one candidate change and its fate (change_candidates_<i>.csv)
    detect.py     detect_changes: the rules in order
    ranking.py    the paper's ranking by KL, and ours (events first)
"""

from selection.candidate import Candidate, candidates_csv
from selection.config import STAGES, SelectionConfig, from_options
from selection.detect import Changes, detect_changes
from selection.ranking import rank_changes, rank_events_first
from selection.score import frame_kl, pair_kl_scores, typical_distance

__all__ = ["Candidate", "Changes", "STAGES", "SelectionConfig", "candidates_csv", "detect_changes", "frame_kl",
           "from_options", "pair_kl_scores", "rank_changes", "rank_events_first", "typical_distance"]
