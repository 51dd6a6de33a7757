"""The notebook's set-up cell: opened on its own with no REPO_URL it stops with one line, and its
install keeps a torch 2.x that is already there (Colab's)."""

import json
import os

import pytest

from conftest import ROOT

NOTEBOOK = os.path.join(ROOT, "notebooks", "colab.ipynb")


def cell_source(marker):
    with open(NOTEBOOK) as handle:
        cells = json.load(handle)["cells"]
    return next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and marker in "".join(c["source"]))


def setup_cell(tmp_path, monkeypatch, **parameters):
    """Run the set-up cell from a folder with no project in it; returns its namespace."""
    pytest.importorskip("IPython", reason="IPython is not installed (requirements-dev.txt)")
    monkeypatch.chdir(tmp_path)
    namespace = {"REPO_URL": "", "INSTALL": True, **parameters}
    exec(compile(cell_source("def project_folder"), "setup-cell", "exec"), namespace)
    return namespace


def test_opened_alone_without_repo_url_it_stops_with_one_line(tmp_path, monkeypatch):
    if os.path.isfile("/content/repro-vae/main.py"):
        pytest.skip("a copy of the project is at /content/repro-vae")
    with pytest.raises(Exception) as stopped:
        setup_cell(tmp_path, monkeypatch)
    assert type(stopped.value).__name__ == "Stop"
    shown = stopped.value._render_traceback_()
    assert len(shown) == 1 and "REPO_URL is empty" in shown[0] and "parameters cell" in shown[0]


def test_the_parameters_cell_names_repo_url_to_fill_in():
    parameters = cell_source("# Parameters")
    line = next(line for line in parameters.splitlines() if line.startswith("REPO_URL"))
    assert "FILL IN" in line


def test_the_install_keeps_a_torch_2_that_is_there(tmp_path):
    torch = pytest.importorskip("torch")
    source = cell_source("def requirements_to_install")
    start = source.index("def requirements_to_install")
    end = source.index("\ndef ", start + 1)
    namespace = {}
    exec("import re\n" + source[start:end], namespace)
    wanted = namespace["requirements_to_install"](os.path.join(ROOT, "requirements.txt"))
    names = {w.split("=")[0].split(">")[0].split("<")[0].strip().lower() for w in wanted}
    assert int(torch.__version__.split(".")[0]) >= 2
    assert "torch" not in names and "torchvision" not in names
    assert {"numpy", "av", "opentimelineio"} <= names
    assert not any(w.startswith("#") or not w for w in wanted)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# core\ntorch==9.9\nnumpy>=1.0  # arrays\n")
    assert namespace["requirements_to_install"](str(requirements)) == ["numpy>=1.0"]
