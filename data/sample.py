"""The bundled sample: a synthetic anime-like film with exact labels, made on first use.

It is the default data of main.py, inference.py and pure_test.py, so that every script runs
with no arguments. It is written once into the cache folder and reused.

This module holds the sample's parameters; ``data.synthetic.write_sample`` and
``python -m data.synthetic`` take their defaults from here.
"""

import os
from typing import Dict, Optional

# The version of the sample's content and layout; raise it when the generator's output changes,
# so that cached copies are written again.
SAMPLE_VERSION = 1
SAMPLE_FOLDER = f"sample-v{SAMPLE_VERSION}"
SAMPLE_SEED = 0
# Training frames set the demo's time; validation frames are cheap to score, so there are
# more of them, to hold enough scene changes for a stable accuracy.
SAMPLE_TRAIN_FRAMES = 1800
SAMPLE_VAL_FRAMES = 4800


def bundled_sample(cache_dir: Optional[str] = None) -> Dict[str, str]:
    """Paths of the sample: "train" and "val" frame folders, "val_labels" (.npy), "truth" (.json)."""
    from data.cache import default_cache_dir
    from data.synthetic import write_sample
    folder = os.path.join(cache_dir or default_cache_dir(), SAMPLE_FOLDER)
    return write_sample(folder, train_frames=SAMPLE_TRAIN_FRAMES, val_frames=SAMPLE_VAL_FRAMES, seed=SAMPLE_SEED)
