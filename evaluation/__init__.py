"""Scoring against labels, for pure_test.py, the report and the benchmarks.

    labels.py   read labels (either convention, spans, the kinds of cut) and put them on the pairs
    metrics.py  the paper's accuracy, top-100, precision/recall/F1 with spans (maximum matching)

The pair/frame convention both sides share is utils/label_convention.py.
"""
