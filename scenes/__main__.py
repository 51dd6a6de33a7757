"""Command line: python -m scenes RESULTS_FOLDER [N] prints both levels of the newest results, every
scene with its shots (the first N scenes)."""

import sys

from scenes.lists import main

if __name__ == "__main__":
    sys.exit(main())
