"""Each script's --help answers before torch loads, says each option's default once, and speaks of
the script's own job."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = ("main.py", "inference.py", "pure_test.py")


def help_of(script: str):
    """(help text, names of the modules imported) of `python -X importtime <script> --help`."""
    done = subprocess.run([sys.executable, "-X", "importtime", script, "--help"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "100"}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    return done.stdout, modules


def option_entries(text: str) -> dict:
    """{flag: its help text on one line} of an argparse help page."""
    entries, current = {}, None
    for line in text.splitlines():
        match = re.match(r"^  (-{1,2}[\w-]+)", line)
        if match:
            current = match.group(1)
            entries[current] = line
        elif current and line.startswith(" " * 6):
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_help_imports_no_torch_and_says_each_default_once(script):
    text, modules = help_of(script)
    assert modules, "no -X importtime lines: the check would pass for nothing"
    assert not [m for m in modules if m == "torch" or m.startswith("torch.")], f"{script} --help imports torch"
    entries = option_entries(text)
    assert len(entries) > 5
    for flag, entry in entries.items():
        assert entry.lower().count("(default") <= 1, f"{script} {flag}: {entry}"
        assert "(default: None)" not in entry and "(default: False)" not in entry, f"{script} {flag}: {entry}"
    assert "(default: 2)" in entries.get("--max_iters", "(default: 2)")


@pytest.mark.slow
def test_each_script_describes_its_own_output_folder():
    texts = {script: option_entries(help_of(script)[0]) for script in SCRIPTS}
    assert "checkpoints" in texts["main.py"]["--output_folder"]
    assert "where main.py writes" not in texts["inference.py"]["--output_folder"]
    assert "evaluated" in texts["inference.py"]["--output_folder"]
    assert "scored" in texts["pure_test.py"]["--output_folder"]
    assert "main.py:" not in texts["inference.py"]["--overwrite"]


@pytest.mark.slow
def test_a_mistyped_option_is_one_line_before_the_libraries_load():
    done = subprocess.run([sys.executable, "-X", "importtime", "inference.py", "--span", "many"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=120)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert len(errors) == 1 and errors[0].startswith("error: inference.py: ") and "--span" in errors[0]
    assert "| torch" not in done.stderr
