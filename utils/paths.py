"""Output paths the file system would refuse, found before the work rather than after it.

A folder name longer than the file system allows, or a path so long that the names written
inside it (and their temporaries) pass PATH_MAX, only fails when the first file is written:
after minutes of training or encoding, with half-made folders left. These checks run first.
Names the tool makes from a film's name (portable_name) are made so that no file system refuses
them.
"""

import itertools
import os
import unicodedata

from utils.errors import UserError

# The longest name the scripts write inside an output folder, with its temporary's prefix and
# suffix (`.<name>.tmp-<pid>-<random>.npy`, a staging folder `.<name>.staging-<pid>-<random>`).
ROOM_FOR_NAMES = 120
# Room kept in each component for the staging folder's or a temporary's additions.
ROOM_IN_NAME = 40
# The longest name portable_name makes: 255 bytes a name (ext4, APFS; NTFS counts 255 UTF-16
# units, which UTF-8 bytes never undercount) less the room for temporaries.
NAME_BYTES = 255 - ROOM_IN_NAME


def _kept(char: str) -> bool:
    """Whether portable_name keeps `char`: in ASCII a letter, a digit or . _ - (as ever, so ASCII
    names are those of earlier results), beyond it a letter, number or combining mark of any script
    (第1話, café, the vowel signs of Devanagari). Everything else is replaced: / \\ : * ? " < > |,
    which Windows (and / everywhere) refuses in a name, control and invisible format characters
    (a right-to-left override would hide the name's end), spaces and punctuation."""
    if char.isascii():
        return char.isalnum() or char in "._-"
    return unicodedata.category(char)[0] in "LNM"


def portable_name(text: str, limit: int = NAME_BYTES) -> str:
    """`text` (a film's file name) as a file or folder name that Linux, macOS and Windows all take
    and that still reads as the film's: each run of characters _kept refuses becomes one _, so two
    episodes whose names differ in Japanese alone (第1話, 第2話) keep apart. NFC first, so a name
    macOS gave decomposed (cafe + U+0301) is the name typed elsewhere (APFS holds the two as one
    name). At most `limit` bytes of UTF-8, cut at a character: a title kept in kanji takes 3 bytes
    a character, and a name too long for the file system fails only when it is written."""
    name = "".join("".join(run) if kept else "_"
                   for kept, run in itertools.groupby(unicodedata.normalize("NFC", text), key=_kept))
    return name.encode("utf-8")[:max(limit, 0)].decode("utf-8", errors="ignore")


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
