"""Detection as a library: a film and a checkpoint in, latents, scores, changes and scene lists out.

    from detection import DetectionConfig, detect
    results = detect("film.mp4", "run/model_state_4_train_loss_812.0000.pkl", config)
    results.changes.flags          # (N-1,) bool: a change between frames j and j+1

inference.py is a thin script over this package: it builds the config from its options
(`DetectionConfig` of `ModelConfig.from_options` and `selection.from_options`), encodes the
film with every checkpoint it evaluates, and writes each checkpoint's `Results` into the
results folder (utils/result_sets.py names every file). `detect` writes nothing unless asked.
"""

from detection.film import DetectionConfig, Results, detect, detect_latents, write_detections, write_results

__all__ = ["DetectionConfig", "Results", "detect", "detect_latents", "write_detections", "write_results"]
