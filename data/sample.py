"""The bundled sample: a synthetic anime-like film with exact labels, made on first use.

It is the default data of main.py, inference.py and pure_test.py, so that every script runs
with no arguments. It is written once into the cache folder and reused.

The sample is ``data.synthetic.write_sample`` with its defaults (the generator's SAMPLE_*,
which ``python -m data.synthetic`` uses too); this module names its folder in the cache.
"""

import os
from typing import Dict, Optional

from data.synthetic.writer import SAMPLE_SEED, SAMPLE_TRAIN_FRAMES, SAMPLE_VAL_FRAMES, SAMPLE_VERSION, write_sample

SAMPLE_FOLDER = f"sample-v{SAMPLE_VERSION}"


def bundled_sample(cache_dir: Optional[str] = None) -> Dict[str, str]:
    """Paths of the sample: "train" and "val" frame folders, "val_labels" (.npy), "truth" (.json)."""
    from data.cache import default_cache_dir
    folder = os.path.join(cache_dir or default_cache_dir(), SAMPLE_FOLDER)
    return write_sample(folder, train_frames=SAMPLE_TRAIN_FRAMES, val_frames=SAMPLE_VAL_FRAMES, seed=SAMPLE_SEED)
