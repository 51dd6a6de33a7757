"""notebooks/colab.ipynb runs top to bottom (on the CPU, with a tiny film and a one-epoch model set
in its parameters cell), so that the notebook users start from cannot fall behind the scripts."""

import os

import numpy as np
import pytest

from conftest import ROOT, encode_video, two_scene_film

NOTEBOOK = os.path.join(ROOT, "notebooks", "colab.ipynb")
SHRINK = "--max_iters 1 --epoch_frames 32 --hidden-dims 8 16 --latent_dim 3 --bs 16"


def with_parameters(notebook, values):
    """The notebook with a cell after its "parameters" cell that sets `values` (papermill's way)."""
    import nbformat
    position = next(n for n, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    notebook.cells.insert(position + 1, nbformat.v4.new_code_cell("\n".join(lines)))
    return notebook


@pytest.mark.slow
def test_colab_notebook_runs_top_to_bottom(tmp_path, two_scene_folder):
    nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (requirements-dev.txt)")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (requirements-dev.txt)")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (requirements-dev.txt)")
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array([19]))
    video = encode_video(tmp_path / "my film.mp4", two_scene_film(48))
    runs = tmp_path / "runs"
    notebook = with_parameters(nbformat.read(NOTEBOOK, as_version=4), {
        "INSTALL": False, "RUNS": str(runs), "DEMO_FRAMES": two_scene_folder, "DEMO_LABELS": str(labels),
        "VIDEO": str(video), "OPTIONS": SHRINK})
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": os.path.join(ROOT, "notebooks")}}).execute()
    shown = [output for cell in notebook.cells for output in cell.get("outputs", [])
             if "text/html" in output.get("data", {})]
    assert len(shown) == 2  # the demo's report and the user's film's, inline
    assert all("data:image/png;base64," in output["data"]["text/html"] for output in shown)
    assert "Hits: " in shown[0]["data"]["text/html"]  # the demo's labels sort its detections
    for run in ("demo", "my_film"):
        assert (runs / run / "report.html").is_file() and (runs / run / "report_files" / "score_film.png").is_file()
    printed = "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))
    assert "accuracy" in printed  # pure_test.py's table of the demo
