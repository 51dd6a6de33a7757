"""The notebook's set-up cell: opened on its own with no REPO_URL it stops with one line, and its
install keeps a torch 2.x that is already there (Colab's), run for real in a fresh virtual environment."""

import json
import os
import re
import subprocess
import sys

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


# --- The install cell itself, run in a fresh virtual environment that already has a torch -----------------

# The distributions the fresh environment starts with, besides its own pip: torch (standing for Colab's
# own build) and IPython (Colab's kernel, which the set-up cell runs in), each with what it needs and
# nothing else, so that numpy, Pillow, PyAV, ... are there only if the install cell installs them.
PRESENT = ("torch", "ipython")
# What requirements.txt installs, by the name it is imported under.
IMPORTED = ("numpy", "PIL", "av", "tqdm", "matplotlib", "sklearn", "opentimelineio", "torchvision")
# Runs the notebook's cells, given as files, one after the other in one IPython shell, as the notebook's
# kernel does (get_ipython().system and its _exit_code work as there); exit 1 at the first that fails.
RUN_CELLS = """
import sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for path in sys.argv[1:]:
    with open(path) as handle:
        if not shell.run_cell(handle.read()).success:
            sys.exit(1)
"""
# Where torch is, for pip and for Python, and which of IMPORTED import; one JSON line.
LOOK = """
import importlib, importlib.metadata as metadata, json, os, sys
import torch
found = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        found[name] = True
    except ImportError:
        found[name] = False
print(json.dumps({"version": torch.__version__, "module": os.path.dirname(torch.__file__),
                  "dist": metadata.version("torch"), "dist_at": str(metadata.distribution("torch").locate_file("")),
                  "imports": found}))
"""


def dependency_closure(names):
    """The installed distributions `names` and all they need (their requirements with the extras asked
    for, recursively: torch's cuda-toolkit[...] brings the nvidia-* packages)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    found, done, todo = {}, set(), [(name, "") for name in names]
    while todo:
        name, extra = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if (key, extra) in done:
            continue
        done.add((key, extra))
        found[key] = metadata.distribution(name)
        for line in found[key].requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                todo += [(requirement.name, wanted) for wanted in ["", *requirement.extras]]
    return found


def expose(names, folder):
    """A folder of symbolic links to the files of `names` and of all they need, as installed here."""
    folder.mkdir()
    for distribution in dependency_closure(names).values():
        for file in distribution.files or []:
            top = file.parts[0]
            if top != ".." and not (folder / top).exists():
                (folder / top).symlink_to(distribution.locate_file(top))
    return folder


def installed(folder):
    """The normalised names of the distributions installed in `folder`."""
    return {re.sub(r"[-_.]+", "-", name.split("-")[0]).lower() for name in os.listdir(folder)
            if name.endswith(".dist-info")}


def look(python, *names):
    done = subprocess.run([python, "-c", LOOK, *names], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def registry_unreachable():
    """Why pip's package index cannot be reached (a few seconds at most), or None when it answers.
    --isolated: the index itself, not the copies of packages that pip may be set to find on this disk."""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "pip", "--isolated",
                               "--timeout", "5", "--retries", "0"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "pip's package index gave no answer in 30 s"
    if done.returncode != 0:
        return "pip's package index cannot be reached: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return None


@pytest.mark.slow
def test_the_install_cell_keeps_the_torch_there_and_installs_the_rest(tmp_path):
    """Why: on Colab the set-up cell pip-installs requirements.txt into an environment whose torch is Colab's
    own (a build for its GPU), and must neither replace it with the pinned one (gigabytes, and the wrong CUDA)
    nor miss anything the scripts import. The other tests look at the list of names; this one runs the cell
    itself, as the notebook holds it, in a fresh virtual environment where only torch and IPython are already
    there (links to this environment's own, so nothing large is downloaded), with pip reaching the package
    index: afterwards torch is the same version in the same place, the rest imports, and main.py --help runs."""
    pytest.importorskip("torch")
    pytest.importorskip("IPython", reason="IPython is not installed (requirements-dev.txt)")
    pytest.importorskip("packaging")
    why = registry_unreachable()
    if why:
        pytest.skip(why)
    fresh = tmp_path / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(fresh)], capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        pytest.skip("no virtual environment can be made here: " + (made.stderr.strip().splitlines() or ["?"])[-1])
    python = str(fresh / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    present = expose(PRESENT, tmp_path / "present")
    with open(os.path.join(site, "present.pth"), "w") as handle:
        handle.write(f"{present}\n")

    installed_before = installed(site)
    before = look(python, *IMPORTED)
    assert int(before["version"].split(".")[0]) >= 2
    assert before["module"] == str(present / "torch") and before["dist_at"] == str(present)
    assert not any(before["imports"].values()), before["imports"]  # so the cell has everything to install

    cells = []
    for n, source in enumerate([cell_source("# Parameters"), "INSTALL = True", cell_source("def project_folder")]):
        cells.append(tmp_path / f"cell_{n}.py")
        cells[-1].write_text(source)
    ran = subprocess.run([python, "-c", RUN_CELLS, *map(str, cells)], cwd=ROOT, capture_output=True, text=True,
                         timeout=1200, env={**os.environ, "PYTHONNOUSERSITE": "1"})
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-4000:]
    assert "device:" in ran.stdout

    after = look(python, *IMPORTED)
    assert {key: after[key] for key in ("version", "module", "dist", "dist_at")} == \
        {key: before[key] for key in ("version", "module", "dist", "dist_at")}
    again = (installed(site) - installed_before) & installed(present)
    assert installed(site) - installed_before and not again, f"installed a second time: {sorted(again)}"
    assert all(after["imports"].values()), after["imports"]
    helped = subprocess.run([python, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert helped.returncode == 0, helped.stderr[-3000:]
    assert "usage" in helped.stdout
