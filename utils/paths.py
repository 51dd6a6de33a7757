"""Output paths the file system would refuse, found before the work rather than after it.

A folder name longer than the file system allows, or a path so long that the names written
inside it (and their temporaries) pass PATH_MAX, only fails when the first file is written:
after minutes of training or encoding, with half-made folders left. These checks run first.
"""

import os

from utils.errors import UserError

# The longest name the scripts write inside an output folder, with its temporary's prefix and
# suffix (`.<name>.tmp-<pid>-<random>.npy`, a staging folder `.<name>.staging-<pid>-<random>`).
ROOM_FOR_NAMES = 120
# Room kept in each component for the staging folder's or a temporary's additions.
ROOM_IN_NAME = 40


def _limit(path: str, name: str, default: int) -> int:
    """pathconf's `name` for the nearest existing folder above `path`, or `default`."""
    existing = os.path.abspath(path)
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    try:
        return int(os.pathconf(existing, name))
    except (OSError, ValueError):
        return default


def check_output_path(path: str, what: str) -> str:
    """UserError when the folder `path` (`what`: "output folder") has a component too long for
    its file system, or is too long for the files written inside it; returns `path`."""
    name_max = _limit(path, "PC_NAME_MAX", 255)
    path_max = _limit(path, "PC_PATH_MAX", 4096)
    full = os.path.abspath(path)
    for part in full.split(os.sep):
        if len(os.fsencode(part)) > name_max - ROOM_IN_NAME:
            raise UserError(f"{path[:80]}...: the {what}'s name {part[:40]}... has {len(os.fsencode(part))} bytes; "
                            f"this file system takes at most {name_max} in one name, and the tool adds up to "
                            f"{ROOM_IN_NAME} to it for temporaries; give a shorter one")
    if len(os.fsencode(full)) > path_max - ROOM_FOR_NAMES:
        raise UserError(f"{path[:80]}...: the {what}'s path has {len(os.fsencode(full))} bytes; with the names "
                        f"written inside it, it would pass this system's limit of {path_max}; give a shorter one")
    return path
