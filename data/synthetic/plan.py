"""The shot plan: shots, camera moves, characters and the boundaries between shots.

Drawn from a seeded RNG before any frame is rendered; it decides every frame's content, and
the truth follows from it alone.
"""

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from data.synthetic.camera import _Camera
from data.synthetic.world import NUM_CHARACTERS, NUM_SETTINGS, _World

TRANSITION_KINDS = ("cut", "dissolve", "fade", "flash", "wipe", "iris", "push", "whip",
                    "flash_cut", "blur", "morph", "slow_wipe", "slide")
GRADUAL_KINDS = TRANSITION_KINDS[1:]
NON_CHANGE_KINDS = ("character_cut", "in_shot_flash", "fast_pan", "zoom", "subtitle", "action",
                    "reverse_shot", "new_angle", "inset")
# Hard cuts that keep the setting: shot boundaries, not scene changes (non_changes at the scene level).
SAME_SETTING_CUT_KINDS = ("character_cut", "reverse_shot", "new_angle")
# What a clip holds with the default options; the rest is asked for by an option.
DEFAULT_TRANSITION_KINDS = TRANSITION_KINDS[:8]
DEFAULT_NON_CHANGE_KINDS = NON_CHANGE_KINDS[:4]
_DECK_KINDS = DEFAULT_TRANSITION_KINDS[1:]      # the gradual kinds of the default clip
# extra_transitions=: short fan-edit transitions (3-8 frames), a silhouette morph (0.5-1.5 s), a slow wipe (1.5-3 s),
# a slide (0.5-1.2 s): the new shot slides in over the old one, which drifts a little the same way
EXTRA_TRANSITION_KINDS = TRANSITION_KINDS[8:]
PACINGS = ("normal", "fast", "slow")

# Probabilities and durations of the options (drawn from their own RNGs, so that the default
# clip's draws are untouched).
P_BURST = 0.2               # pacing="fast": a shot is followed by a burst of very short shots
BURST_SHOTS = (6, 12)       # shots in a burst, each 4-6 frames long
P_EXTRA = 0.5               # extra_transitions: share of setting changes that take an extra kind
SLIDE_DRIFT = (0.0, 0.35)   # a slide: how far the old shot drifts, as a share of the new one's way in
P_SLIDE_CLOSE = 0.5         # a slide joins two settings of close colours (two night scenes, say)
SLOW_SHOT_SECONDS = (20, 60)
P_ACTION = 0.4              # action=True: share of shots (not in a burst) holding a stretch of action
ACTION_SECONDS = (0.5, 2.0)     # how long the action lasts
ACTION_SHAKE = (0.01, 0.04)     # camera shake amplitude, fraction of the frame width (none in a third of them)
ACTION_DASH = 0.3               # a character's dash between key poses, up to this fraction of the width
ACTION_KEY_FRAMES = (3, 8)      # frames between key poses
P_CONVERSATION = 0.4        # conversations=True: a setting's run opens with a conversation (first visit)
P_CONVERSATION_RETURN = 0.7     # ... on a setting seen earlier: the story comes back to a conversation there
CONVERSATION_SHOTS = (4, 8)     # alternating shots A-B-A-B... of a shot/reverse-shot run
CONVERSATION_SHOT_SECONDS = (1, 4)  # length of each of them
CONVERSATION_FRONT_SIZE = (1.3, 1.5)    # the character in front of a framing, height multiplier
CONVERSATION_ZOOM = (1.0, 1.25)     # a framing's (static) zoom: the two speakers are seen from close by
P_NEW_ANGLE = 0.5           # the run is followed by a shot from a new angle (then the setting's ordinary shot)
P_ANGLE_CLOSE = 0.5         # that new angle is a close-up; otherwise a wide view of the set
ANGLE_ZOOM = (1.5, 1.9)     # the close-up's zoom
P_ANGLE_OTHERS = 0.35       # the new angle shows other characters than the two speakers
P_INSET = 0.35              # insets=True: share of shots (not in a burst, 2 s or longer) where panels pop up
INSETS_PER_SHOT = (1, 2)    # panels in such a shot, one after the other
INSET_OPEN_FRAMES = (3, 8)  # a panel grows from its centre to its full size over this many frames
INSET_FILL_FRAMES = (4, 12)     # ... then the picture inside it fades in over this many
INSET_WIDTH = (0.2, 0.35)   # the panel's size, fractions of the frame's width and height
INSET_HEIGHT = (0.25, 0.45)
SUBTITLE_WORDS = ("I", "you", "we", "never", "knew", "the", "sky", "was", "so", "blue", "wait", "for", "me",
                  "tomorrow", "again", "where", "are", "going", "remember", "this", "place", "it's", "late",
                  "come", "back", "home", "look", "stars", "tonight", "sorry", "thank", "everyone")

# Probabilities of the shot plan.
P_CHARACTER_CUT = 0.25       # a boundary keeps the setting and swaps the characters
P_HARD_CUT = 0.55            # among setting changes (hard_cases=True); the rest are gradual
P_REVISIT = 0.35             # a new setting is one already seen earlier in the clip
MIN_SETTING_DISTANCE = 40.0  # consecutive settings differ at least this much (16x12 thumbnails, 0-255)
P_IN_SHOT_FLASH = 0.2       # per static / slow-pan shot (hard_cases=True)


@dataclass
class _Actor:
    char: int
    x0: float               # canvas x at local time 0
    vx: float               # canvas px per frame (0: standing)
    dy: float
    bob: float              # bob amplitude, fraction of the height
    bob_period: float
    phase: float
    facing: int
    size: float = 1.0       # height multiplier (a character in front of the camera is larger)


@dataclass
class _Shot:
    setting: int
    render_start: int
    render_end: int
    pure_start: int
    pure_end: int
    mode: str
    camera: _Camera
    actors: list
    flash: Optional[dict] = None     # {"start": global frame, "alphas": [...], "tint": (r, g, b)}
    events: list = field(default_factory=list)   # non-change traps inside the shot (global frames)
    subtitles: list = field(default_factory=list)    # (first frame, last frame, text), global frames
    action: Optional[dict] = None    # {"start": global frame, "shake": (L, 2), "moves": (actors, L, 2)} canvas px
    insets: list = field(default_factory=list)   # pop-up panels (_plan_insets), global frames
    framing: Optional[str] = None    # a conversation's shot: "A", "B" (shot/reverse-shot) or "angle"


@dataclass
class _Boundary:
    kind: str               # a transition kind or one of SAME_SETTING_CUT_KINDS
    a: int                  # first blended frame (cuts: first frame of the new shot)
    b: int                  # last blended frame (cuts: a - 1)
    label: int
    prev: int
    next: int
    params: dict = field(default_factory=dict)


def _pick_actors(world, rng, cam: _Camera, T, n, exclude, standing, fps, front=False):
    W, H = world.width, world.height
    sp = (W / 160.0) * (24.0 / fps)
    pool = [c for c in range(NUM_CHARACTERS) if c not in exclude]
    chosen = [int(x) for x in rng.choice(pool, size=min(n, len(pool)), replace=False)]
    cxm, _, _ = cam.at(T / 2)
    actors = []
    slots = np.linspace(-0.25, 0.25, len(chosen)) if len(chosen) > 1 else [rng.uniform(-0.15, 0.15)]
    for k, cid in enumerate(chosen):
        walk = (not standing) and rng.random() < 0.45
        if walk:
            v = float(rng.choice([-1, 1]) * rng.uniform(0.6, 1.4) * sp)
            xm = cxm + slots[k] * W
            x0 = xm - v * T / 2
            facing = 1 if v > 0 else -1
        else:
            v = 0.0
            x0 = cxm + (slots[k] + rng.uniform(-0.05, 0.05)) * W
            facing = int(rng.choice([-1, 1]))
        actors.append(_Actor(cid, float(x0), v, float(rng.uniform(0, 0.05) * H), float(rng.uniform(0.004, 0.015)),
                             float(rng.uniform(0.6, 1.6) * fps), float(rng.uniform(0, 2 * math.pi)), facing,
                             float(rng.uniform(0.9, 1.1))))
    if front and actors:
        # the character in front: standing near the middle, closer to the camera (larger, lower)
        a = actors[0]
        a.vx = 0.0
        a.x0 = float(cxm + rng.uniform(-0.2, 0.2) * W)
        a.size = float(rng.uniform(1.2, 1.45))
        a.dy = float(rng.uniform(0.07, 0.12) * H)
        for b in actors[1:]:
            if abs(b.x0 - a.x0) < 0.2 * W and b.vx == 0.0:
                b.x0 = a.x0 + (0.3 * W if b.x0 >= a.x0 else -0.3 * W)
    actors.sort(key=lambda a: a.dy)
    return actors


def _plan(world: _World, num_frames: int, rng, fps: int, hard_cases: bool, dist: np.ndarray, *,
          pacing: str = "normal", extra_transitions: tuple = (), subtitles: bool = False,
          action: bool = False, conversations: bool = False, insets: bool = False, option_rng=None,
          subtitle_rng=None, action_rng=None, conversation_rng=None, inset_rng=None):
    """Shots and boundaries of a clip; ``dist``: the distances between the world's settings.

    ``rng`` draws everything of the default clip. The options draw from ``option_rng``
    (pacing, extra transitions), ``subtitle_rng`` (subtitles), ``action_rng`` (action),
    ``conversation_rng`` (conversations) and ``inset_rng`` (insets) only, so the default clip
    is unchanged by their existence, and subtitles, action and insets change nothing but
    themselves.
    A conversation (conversations=True) is inserted before the first ordinary shot of a
    setting's run, which follows it after a "new_angle" cut, so the ordinary shots keep their
    draws.
    """
    W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
    N = num_frames
    sp = (W / 160.0) * (24.0 / fps)
    xlo, xhi = W / 2.0, cw - W / 2.0
    ylo, yhi = H / 2.0, ch - H / 2.0
    shots: list = []
    bounds: list = []
    kind_of = [s.kind for s in world.settings]
    setting = int(rng.integers(NUM_SETTINGS))
    visited = [setting]
    cursor = 0
    incoming: Optional[_Boundary] = None
    deck: list = []
    burst_left = 0
    opened: set = set()         # settings whose runs have begun (conversations)
    framings: dict = {}         # setting -> the two framings of its conversation (they come back on a return)
    while True:
        if conversations and burst_left == 0 and (incoming is None or incoming.kind not in SAME_SETTING_CUT_KINDS):
            p = P_CONVERSATION_RETURN if setting in opened else P_CONVERSATION
            opened.add(setting)
            if conversation_rng.random() < p:
                in_g = (incoming.b - incoming.a + 1) if incoming is not None and incoming.kind in GRADUAL_KINDS else 0
                ended = False
                for shot, okind in _plan_conversation(world, conversation_rng, setting, cursor, in_g, fps, framings,
                                                      subtitle_rng if subtitles else None):
                    if shot.pure_end + round(0.5 * fps) > N - 1:    # the clip ends inside this shot
                        _end_shot(shot, N)
                        shots.append(shot)
                        ended = True
                        break
                    shots.append(shot)
                    bounds.append(_Boundary(okind, shot.pure_end + 1, shot.pure_end, shot.pure_end, len(shots) - 1,
                                            len(shots)))
                    incoming = bounds[-1]
                    cursor = shot.pure_end + 1
                if ended:
                    break
        # Every random draw below is made whatever num_frames is, and the shot is planned at
        # its full length: a clip is then a prefix of any longer clip of the same arguments
        # (up to the boundary that no longer fits, where the shorter clip holds its last shot).
        L = int(rng.integers(round(1.5 * fps), round(6 * fps) + 1))
        short = burst_left > 0
        if short:
            L = int(option_rng.integers(4, 7))
            burst_left -= 1
        elif pacing == "slow":
            L = int(option_rng.integers(SLOW_SHOT_SECONDS[0] * fps, SLOW_SHOT_SECONDS[1] * fps + 1))
        pure_start = cursor
        pure_end = cursor + L - 1
        if rng.random() < P_CHARACTER_CUT:
            okind, G = "character_cut", 0
        elif (not hard_cases) or rng.random() < P_HARD_CUT:
            okind, G = "cut", 0
        else:
            if not deck:        # a shuffled deck: every run of 7 gradual transitions has each kind
                deck = [int(k) for k in rng.permutation(len(_DECK_KINDS))]
            okind = _DECK_KINDS[deck.pop()]
            G = int(rng.integers(round(0.5 * fps), round(1.5 * fps) + 1))
        if pacing == "fast":
            if burst_left == 0 and option_rng.random() < P_BURST:
                burst_left = int(option_rng.integers(BURST_SHOTS[0], BURST_SHOTS[1] + 1))
            if short or burst_left > 0:     # the cuts into, inside and out of a burst
                okind, G = "cut", 0
        if extra_transitions and okind != "character_cut" and not (short or burst_left > 0) \
                and option_rng.random() < P_EXTRA:
            okind = str(option_rng.choice(list(extra_transitions)))
            G = _extra_length(okind, fps, option_rng)
        last = pure_end + G + round(0.5 * fps) > N - 1      # no room for the boundary and 0.5 s after it
        in_g = (incoming.b - incoming.a + 1) if incoming is not None and incoming.kind in GRADUAL_KINDS else 0
        render_start = pure_start - in_g
        T = pure_end + G - render_start + 1
        lp0, lp1 = in_g, in_g + (pure_end - pure_start)
        cc_in = incoming is not None and incoming.kind == "character_cut"
        cc_out = okind == "character_cut"
        spec = world.settings[setting]

        # camera mode
        if cc_in or cc_out:
            modes, probs = ["static", "slow_pan"], [0.5, 0.5]
        elif hard_cases:
            modes = ["static", "slow_pan", "slow_tilt", "fast_pan", "zoom_in", "zoom_out"]
            probs = [0.25, 0.3, 0.08, 0.15, 0.11, 0.11]
        else:
            modes, probs = ["static", "slow_pan", "slow_tilt"], [0.4, 0.45, 0.15]
        mode = str(rng.choice(modes, p=probs))
        if pacing == "slow" and not (cc_in or cc_out):
            mode = str(option_rng.choice(["slow_pan", "slow_tilt", "slow_zoom"]))
        pure_len = lp1 - lp0 + 1
        if mode == "fast_pan" and pure_len < round(0.4 * fps) + 8:
            mode = "static"
        if mode in ("zoom_in", "zoom_out") and pure_len < round(0.5 * fps) + 8:
            mode = "static"

        cy = spec.floor_y - rng.uniform(0.72, 0.92) * H + H / 2
        cy = min(yhi, max(ylo, cy))
        if cc_in:
            prev_cam = shots[-1].camera
            pcx, pcy, _ = prev_cam.at(shots[-1].render_end - shots[-1].render_start)
            off = (rng.uniform(0.02, 0.05) * W * rng.choice([-1, 1])) if rng.random() < 0.4 else 0.0
            if not (xlo <= pcx + off <= xhi):
                off = -off
            cx = min(xhi, max(xlo, pcx + off))
            cy = min(yhi, max(ylo, pcy + (rng.uniform(-0.03, 0.03) * H if off else 0.0)))
        else:
            cx = rng.uniform(xlo, xhi)
        cam = _Camera(cx, cy)
        events = []
        if mode == "slow_pan":
            v = rng.uniform(0.25, 0.9) * sp
            room_r, room_l = xhi - cx, cx - xlo
            direction = 1 if (room_r > room_l if cc_in else rng.random() < 0.5) else -1
            if not cc_in:
                travel = min(v * (T - 1), 0.95 * (xhi - xlo))
                v = travel / max(1, T - 1)
                cx = rng.uniform(xlo + travel, xhi) if direction < 0 else rng.uniform(xlo, xhi - travel)
            else:
                room = room_r if direction > 0 else room_l
                v = min(v, room / max(1, T - 1))
            cam = _Camera(cx, cy, vx=direction * v)
        elif mode == "slow_tilt":
            v = rng.uniform(0.15, 0.45) * sp
            travel = min(v * (T - 1), 0.95 * (yhi - ylo))
            v = travel / max(1, T - 1)
            if rng.random() < 0.5:      # tilt down from the sky to the ground
                cam = _Camera(cx, rng.uniform(ylo, yhi - travel), vy=v)
            else:
                cam = _Camera(cx, rng.uniform(ylo + travel, yhi), vy=-v)
        elif mode == "fast_pan":
            d = int(rng.integers(round(0.4 * fps), round(0.8 * fps) + 1))
            d = min(d, pure_len - 8)
            t0 = int(rng.integers(lp0 + 3, lp1 - d - 3 + 1))
            dx = rng.uniform(0.55, 0.95) * (xhi - xlo) * rng.choice([-1, 1])
            cx = rng.uniform(xlo - min(0, dx), xhi - max(0, dx))
            cam = _Camera(cx, cy, pan_t0=t0, pan_t1=t0 + d, pan_dx=float(dx))
            events.append(dict(kind="fast_pan", start=render_start + t0, end=render_start + t0 + d))
        elif mode == "slow_zoom":       # a zoom over the whole shot, drifting sideways
            zt = float(option_rng.uniform(1.3, 1.7))
            z0, z1 = (1.0, zt) if option_rng.random() < 0.5 else (zt, 1.0)
            drift = float(option_rng.uniform(-0.4, 0.4)) * (xhi - xlo)
            cx = float(option_rng.uniform(xlo - min(0.0, drift), xhi - max(0.0, drift)))
            cam = _Camera(cx, cy, vx=drift / max(1, T - 1), zoom_t0=0, zoom_t1=T - 1, z0=z0, z1=z1)
        elif mode in ("zoom_in", "zoom_out"):
            d = int(rng.integers(round(0.5 * fps), round(1.5 * fps) + 1))
            d = min(d, pure_len - 8)
            t0 = int(rng.integers(lp0 + 3, lp1 - d - 3 + 1))
            zt = float(rng.uniform(1.35, 1.9))
            z0, z1 = (1.0, zt) if mode == "zoom_in" else (zt, 1.0)
            cam = _Camera(cx, cy, zoom_t0=t0, zoom_t1=t0 + d, z0=z0, z1=z1)
            events.append(dict(kind="zoom", start=render_start + t0, end=render_start + t0 + d))

        # characters
        n_chars = int(rng.choice([0, 1, 2], p=[0.12, 0.55, 0.33]))
        if cc_in or cc_out:
            n_chars = max(1, n_chars)
        exclude = {a.char for a in shots[-1].actors} if cc_in else set()
        actors = _pick_actors(world, rng, cam, T, n_chars, exclude, mode.startswith("zoom"), fps,
                              front=cc_in or cc_out)

        # an in-shot flash (lightning / explosion): a trap, not a scene change
        flash = None
        if hard_cases and mode in ("static", "slow_pan") and rng.random() < P_IN_SHOT_FLASH and pure_len >= 16:
            n = int(rng.integers(3, 7))
            t0 = int(rng.integers(lp0 + 4, lp1 - n - 4 + 1))
            alphas = [float(a) for a in rng.uniform(0.35, 0.95, size=n)]
            alphas[-1] = min(alphas[-1], 0.3)
            tint = (236, 242, 255) if rng.random() < 0.5 else (255, 238, 205)
            flash = dict(start=render_start + t0, alphas=alphas, tint=tint)
            events.append(dict(kind="in_shot_flash", start=render_start + t0, end=render_start + t0 + n - 1))

        subs = _plan_subtitles(subtitle_rng, pure_start, pure_end, fps) if subtitles else []
        events.extend(dict(kind="subtitle", start=a, end=b) for a, b, _ in subs)

        moves = None
        if action and not short:
            moves = _plan_action(action_rng, pure_start, pure_end, len(actors), W, H, fps)
            if moves is not None:
                events.append(dict(kind="action", start=moves["start"], end=moves["start"] + len(moves["shake"]) - 1))

        panels = []
        if insets and not short:
            panels = _plan_insets(inset_rng, pure_start, pure_end, setting, fps)
            events.extend(dict(kind="inset", start=p["start"], end=p["start"] + p["open"] + p["fill"] - 1)
                          for p in panels)

        shot = _Shot(setting, render_start, pure_end + G, pure_start, pure_end, mode, cam, actors, flash, events,
                     subs, moves, insets=panels)
        if last:        # the clip ends inside this shot (which is cut short or held to the end)
            _end_shot(shot, N)
        shots.append(shot)
        if last:
            break

        # the boundary to the next shot
        if okind == "character_cut":
            nxt = setting
        else:
            # another kind of setting, and one whose colours differ clearly from this one's
            cands = [s for s in range(NUM_SETTINGS) if kind_of[s] != kind_of[setting]]
            if okind == "slide" and option_rng.random() < P_SLIDE_CLOSE:
                # one of the settings nearest in colour: the two pictures differ little in grey
                cands = sorted(cands, key=lambda s: dist[setting, s])[:max(1, len(cands) // 4)]
            else:
                far = [s for s in cands if dist[setting, s] >= MIN_SETTING_DISTANCE]
                cands = far if far else sorted(cands, key=lambda s: -dist[setting, s])[:max(1, len(cands) // 2)]
            seen = [s for s in cands if s in visited]
            if seen and rng.random() < P_REVISIT:
                nxt = int(rng.choice(seen))
            else:
                nxt = int(rng.choice(cands))
        if G > 0:
            a, b = pure_end + 1, pure_end + G
            label = (a + b) // 2
        else:
            a, b = pure_end + 1, pure_end
            label = pure_end
        params = {}
        if okind == "wipe":
            params["angle"] = float(rng.choice([0, 90, 180, 270, 30, 150, 210, 330]))
        elif okind == "iris":
            params["mode"] = str(rng.choice(["open", "close_open"]))
            params["center"] = (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.7)))
        elif okind == "push":
            params["direction"] = str(rng.choice(["left", "right", "up", "down"]))
        elif okind == "whip":
            params["direction"] = int(rng.choice([-1, 1]))
        elif okind == "slow_wipe":
            params["angle"] = float(option_rng.choice([0, 90, 180, 270, 45, 135, 225, 315]))
        elif okind == "slide":
            params["direction"] = str(option_rng.choice(["left", "right", "up", "down"]))
            params["drift"] = float(option_rng.uniform(*SLIDE_DRIFT))
        elif okind == "flash_cut":
            params["tint"] = (255, 255, 255) if option_rng.random() < 0.6 else \
                tuple(int(v) for v in option_rng.choice([(255, 236, 200), (255, 210, 230), (210, 236, 255)]))
        bounds.append(_Boundary(okind, a, b, label, len(shots) - 1, len(shots), params))
        incoming = bounds[-1]
        setting = nxt
        if nxt not in visited:
            visited.append(nxt)
        cursor = b + 1
    return shots, bounds


def _end_shot(shot: _Shot, N: int) -> None:
    """Cut the clip's last shot short at frame N - 1 (or hold it to the end), with its traps and subtitles."""
    shot.pure_end = shot.render_end = N - 1
    shot.events = [dict(e, end=min(e["end"], N - 1)) for e in shot.events if e["start"] <= N - 1]
    shot.subtitles = [(a, min(b, N - 1), text) for a, b, text in shot.subtitles if a <= N - 1]


def _conversation_framings(world: _World, rng, setting: int, fps: int) -> dict:
    """The two framings of a shot/reverse-shot conversation on a setting.

    Framing "A" crops the left part of the canvas, "B" the right part, each a little zoomed in
    and with one speaker large in front (closer to the camera), at the edge of the frame and
    facing the other side. Returns {"A": (camera, actor), "B": (camera, actor)}.
    """
    W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
    spec = world.settings[setting]
    speakers = [int(c) for c in rng.choice(NUM_CHARACTERS, size=2, replace=False)]
    out = {}
    for name, side, char in (("A", -1, speakers[0]), ("B", 1, speakers[1])):
        z = float(rng.uniform(*CONVERSATION_ZOOM))
        bw, bh = W / z, H / z
        lo, hi = bw / 2, cw - bw / 2
        cx = rng.uniform(lo, lo + 0.2 * W) if side < 0 else rng.uniform(hi - 0.2 * W, hi)
        # the floor 75-95 % down the frame, the speaker's feet near or below its bottom
        cy = min(ch - bh / 2, max(bh / 2, spec.floor_y - rng.uniform(0.75, 0.95) * bh + bh / 2))
        actor = _Actor(char, float(cx + side * rng.uniform(0.12, 0.22) * bw), 0.0, float(rng.uniform(0.06, 0.1) * H),
                       float(rng.uniform(0.004, 0.01)), float(rng.uniform(0.8, 1.6) * fps),
                       float(rng.uniform(0, 2 * math.pi)), -side, float(rng.uniform(*CONVERSATION_FRONT_SIZE)))
        out[name] = (_Camera(float(cx), float(cy), z0=z, z1=z), actor)
    return out


def _new_angle(world: _World, rng, setting: int, speakers: list, fps: int) -> tuple:
    """Camera and actors of a new angle on a conversation's set: a close-up (a zoomed crop of
    any part of the canvas, one character) or a wide view of its middle (two characters facing
    each other); the speakers or, in P_ANGLE_OTHERS of them, other characters."""
    W, H, cw, ch = world.width, world.height, world.canvas_w, world.canvas_h
    spec = world.settings[setting]
    close = rng.random() < P_ANGLE_CLOSE
    if rng.random() < P_ANGLE_OTHERS:
        pool = [c for c in range(NUM_CHARACTERS) if c not in speakers]
        chars = [int(c) for c in rng.choice(pool, size=2, replace=False)]
    else:
        chars = [int(c) for c in rng.permutation(speakers)]
    z = float(rng.uniform(*ANGLE_ZOOM)) if close else 1.0
    bw, bh = W / z, H / z
    cx = rng.uniform(bw / 2, cw - bw / 2) if close else cw / 2 + rng.uniform(-0.1, 0.1) * W
    cy = min(ch - bh / 2, max(bh / 2, spec.floor_y - rng.uniform(0.7, 0.9) * bh + bh / 2))
    offsets = [rng.uniform(-0.1, 0.1) * bw] if close else [-0.2 * W, 0.2 * W]
    actors = [_Actor(c, float(cx + dx), 0.0, float(rng.uniform(0, 0.04) * H), float(rng.uniform(0.004, 0.012)),
                     float(rng.uniform(0.6, 1.6) * fps), float(rng.uniform(0, 2 * math.pi)),
                     int(rng.choice([-1, 1])) if close else (1 if dx < 0 else -1), float(rng.uniform(0.9, 1.1)))
              for c, dx in zip(chars, offsets)]
    actors.sort(key=lambda a: a.dy)
    return _Camera(float(cx), float(cy), z0=z, z1=z), actors


def _plan_conversation(world: _World, rng, setting: int, start: int, in_g: int, fps: int, framings: dict,
                       subtitle_rng=None) -> list:
    """A conversation on one setting from frame ``start`` on: (shot, kind of the cut after it) pairs.

    A shot/reverse-shot run of CONVERSATION_SHOTS alternating shots between framings A and B
    (``framings[setting]``, drawn at the setting's first conversation and the same on a return),
    then, in P_NEW_ANGLE of them, a shot from a new angle. Every shot is static and cut; the
    last one's cut ("new_angle") leads to the setting's ordinary shot. ``in_g``: frames of the
    gradual transition into the first shot. The shots are planned at full length; the caller
    cuts the clip short.
    """
    if setting not in framings:
        framings[setting] = _conversation_framings(world, rng, setting, fps)
    pair = framings[setting]
    n = int(rng.integers(CONVERSATION_SHOTS[0], CONVERSATION_SHOTS[1] + 1))
    first = int(rng.integers(2))
    names = ["AB"[(first + k) % 2] for k in range(n)]
    plans = [(name, pair[name][0], [pair[name][1]]) for name in names]
    if rng.random() < P_NEW_ANGLE:
        plans.append(("angle",) + _new_angle(world, rng, setting, [pair["A"][1].char, pair["B"][1].char], fps))
    out = []
    cursor = start
    for k, (name, cam, actors) in enumerate(plans):
        L = int(rng.integers(CONVERSATION_SHOT_SECONDS[0] * fps, CONVERSATION_SHOT_SECONDS[1] * fps + 1))
        g = in_g if k == 0 else 0
        subs = _plan_subtitles(subtitle_rng, cursor, cursor + L - 1, fps) if subtitle_rng is not None else []
        events = [dict(kind="subtitle", start=a, end=b) for a, b, _ in subs]
        shot = _Shot(setting, cursor - g, cursor + L - 1, cursor, cursor + L - 1, "static", cam, list(actors),
                     events=events, subtitles=subs, framing=name)
        following = plans[k + 1][0] if k + 1 < len(plans) else None
        out.append((shot, "reverse_shot" if following in ("A", "B") else "new_angle"))
        cursor += L
    return out


def _extra_length(kind: str, fps: int, rng) -> int:
    """Frames of an extra transition: 3-8 (flash_cut, blur), 0.5-1.5 s (morph), 1.5-3 s (slow_wipe),
    0.5-1.2 s (slide)."""
    if kind in ("flash_cut", "blur"):
        return int(rng.integers(3, 9))
    if kind == "morph":
        return int(rng.integers(round(0.5 * fps), round(1.5 * fps) + 1))
    if kind == "slow_wipe":
        return int(rng.integers(round(1.5 * fps), round(3 * fps) + 1))
    if kind == "slide":
        return int(rng.integers(round(0.5 * fps), round(1.2 * fps) + 1))
    raise ValueError(f"unknown transition kind {kind!r}")


def _plan_subtitles(rng, first: int, last: int, fps: int) -> list:
    """Subtitle lines inside the frames first..last of a shot: (first frame, last frame, text).

    A line shows for 1-3 s; the next one follows at once (the text changes) or after a pause.
    """
    out = []
    t = first + 6 + int(rng.integers(0, fps))
    while True:
        end = min(t + int(rng.integers(fps, 3 * fps + 1)) - 1, last - 6)
        words = rng.choice(SUBTITLE_WORDS, size=int(rng.integers(2, 5)))
        text = " ".join(str(w) for w in words)
        text = text[0].upper() + text[1:] + str(rng.choice([".", "...", "?", "!"]))
        if end - t < fps // 2:
            break
        out.append((t, end, text))
        t = end + 1 if rng.random() < 0.4 else end + 1 + int(rng.integers(fps // 4, fps + 1))
    return out


def _plan_action(rng, first: int, last: int, num_actors: int, W: int, H: int, fps: int) -> Optional[dict]:
    """A stretch of action inside the frames first..last of a shot, as in a fight or a dance:
    the camera shakes and the characters dash and jump between key poses, drawn on twos or
    threes (each drawing held 2-3 frames). None when the shot has none (1 - P_ACTION) or is
    too short. Offsets are in canvas pixels: "shake" (L, 2) moves the camera, "moves"
    (num_actors, L, 2) the characters; after the stretch they keep their last offset."""
    wanted = rng.random() < P_ACTION
    length = int(rng.integers(round(ACTION_SECONDS[0] * fps), round(ACTION_SECONDS[1] * fps) + 1))
    length = min(length, last - first + 1 - 7)
    if not wanted or length < round(ACTION_SECONDS[0] * fps):
        return None
    start = int(rng.integers(first + 3, last - length - 3 + 1))
    hold = int(rng.integers(2, 4))
    shake_amp = float(rng.uniform(*ACTION_SHAKE)) * W if rng.random() < 2 / 3 else 0.0
    drawings = -(-length // hold)
    shake = rng.uniform(-1.0, 1.0, size=(drawings, 2)) * shake_amp
    moves = np.zeros((num_actors, drawings, 2))
    for a in range(num_actors):
        t, pose = 0, np.zeros(2)
        while t < drawings:
            span = max(1, int(rng.integers(*ACTION_KEY_FRAMES)) // hold)
            target = np.array([np.clip(pose[0] + rng.uniform(-ACTION_DASH, ACTION_DASH) * W, -0.35 * W, 0.35 * W),
                               rng.uniform(0.0, 0.2) * H if rng.random() < 0.4 else 0.0])
            for k in range(min(span, drawings - t)):
                moves[a, t + k] = pose + (target - pose) * (k + 1) / span
            pose, t = target, t + span
    held = np.arange(length) // hold
    return dict(start=start, shake=shake[held], moves=moves[:, held])


def _plan_insets(rng, first: int, last: int, setting: int, fps: int) -> list:
    """Pop-up panels inside the frames first..last of a shot, as an info box or a picture-in-
    picture: a framed panel grows from its centre (INSET_OPEN_FRAMES), then a small picture of
    another setting fades in inside it (INSET_FILL_FRAMES); it stays to the shot's end. Each:
    {"start", "open", "fill", "box": (x0, y0, x1, y1) fractions of the frame, "content":
    setting shown, "border": RGB}. Empty when the shot has none (1 - P_INSET) or is under 2 s."""
    wanted = rng.random() < P_INSET
    count = int(rng.integers(INSETS_PER_SHOT[0], INSETS_PER_SHOT[1] + 1))
    panels, t = [], first + int(rng.integers(round(0.3 * fps), fps + 1))
    if not wanted or last - first + 1 < 2 * fps:
        return panels
    for k in range(count):
        opening = int(rng.integers(INSET_OPEN_FRAMES[0], INSET_OPEN_FRAMES[1] + 1))
        filling = int(rng.integers(INSET_FILL_FRAMES[0], INSET_FILL_FRAMES[1] + 1))
        w, h = float(rng.uniform(*INSET_WIDTH)), float(rng.uniform(*INSET_HEIGHT))
        # the first panel on the left half, the second on the right: side by side, as info boxes are
        x0 = float(rng.uniform(0.03, 0.5 - w)) if k == 0 else float(rng.uniform(0.5, 0.97 - w))
        y0 = float(rng.uniform(0.05, 0.9 - h))
        if t + opening + filling + 3 > last:
            break
        content = (setting + 1 + int(rng.integers(NUM_SETTINGS - 1))) % NUM_SETTINGS
        border = tuple(int(v) for v in rng.integers(150, 256, size=3))
        panels.append(dict(start=t, open=opening, fill=filling, box=(x0, y0, x0 + w, y0 + h), content=content,
                           border=border))
        t += opening + filling + int(rng.integers(round(0.2 * fps), fps + 1))
    return panels
