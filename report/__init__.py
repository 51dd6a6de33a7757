"""The HTML report of a run, rebuilt from the files main.py and inference.py wrote.

    python -m report runs/ep1 --labels labels.json     # or: python inference.py ... --report
"""

from report.build import build_report

__all__ = ["build_report"]
