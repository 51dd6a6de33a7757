"""Colours of the cel-style art: colour arithmetic and the palette presets of each setting kind."""

import colorsys

OUTLINE = (32, 24, 40)


def _rgb(c) -> tuple:
    return tuple(int(max(0, min(255, round(v)))) for v in c)


def _mix(a, b, t: float) -> tuple:
    return _rgb(a[i] + (b[i] - a[i]) * t for i in range(3))


def _dark(c, f: float = 0.75) -> tuple:
    return _rgb(v * f for v in c)


def _light(c, t: float = 0.3) -> tuple:
    return _mix(c, (255, 255, 255), t)


def _hsv(h: float, s: float, v: float) -> tuple:
    return _rgb(x * 255 for x in colorsys.hsv_to_rgb(h % 1.0, s, v))


def _jitter(c, rng, amount: float = 10.0) -> tuple:
    return _rgb(v + rng.uniform(-amount, amount) for v in c)


# Palette presets per setting kind: settings of one kind take different presets, so they
# differ clearly in palette as well as in (random) layout.
_SKY_PRESETS = [
    dict(name="noon", top=(62, 122, 212), bottom=(172, 214, 246), cloud=(252, 252, 255),
         cloud_shade=(196, 210, 236), ground=(172, 176, 170), grass=(104, 178, 88), far=(140, 170, 200)),
    dict(name="sunset", top=(92, 66, 150), bottom=(252, 168, 92), cloud=(255, 212, 168),
         cloud_shade=(214, 126, 122), ground=(150, 120, 120), grass=(160, 130, 70), far=(150, 100, 140)),
    dict(name="dusk", top=(56, 76, 150), bottom=(246, 158, 186), cloud=(250, 222, 232),
         cloud_shade=(186, 148, 192), ground=(130, 122, 150), grass=(96, 120, 110), far=(120, 110, 170)),
    dict(name="mint", top=(84, 168, 178), bottom=(226, 242, 212), cloud=(255, 255, 244),
         cloud_shade=(186, 214, 204), ground=(196, 190, 170), grass=(150, 200, 90), far=(150, 196, 190)),
]
_CITY_PRESETS = [
    dict(name="day", top=(80, 140, 220), bottom=(190, 222, 248),
         buildings=[(206, 194, 172), (162, 172, 190), (184, 118, 98), (220, 210, 192), (150, 160, 150)],
         window=(120, 160, 200), lit=(250, 240, 190), walk=(196, 192, 186), road=(90, 92, 100)),
    dict(name="evening", top=(70, 56, 120), bottom=(246, 150, 100),
         buildings=[(120, 90, 120), (150, 100, 110), (96, 86, 130), (170, 120, 120), (110, 100, 100)],
         window=(70, 60, 90), lit=(255, 210, 120), walk=(140, 110, 120), road=(60, 50, 70)),
    dict(name="overcast", top=(150, 168, 172), bottom=(210, 218, 214),
         buildings=[(120, 140, 130), (160, 170, 150), (96, 110, 116), (180, 176, 160), (130, 120, 110)],
         window=(80, 96, 104), lit=(230, 236, 200), walk=(170, 170, 160), road=(84, 88, 86)),
    dict(name="golden", top=(236, 182, 90), bottom=(252, 236, 170),
         buildings=[(196, 140, 90), (220, 180, 120), (170, 110, 80), (236, 206, 150), (150, 120, 100)],
         window=(140, 90, 70), lit=(255, 250, 210), walk=(220, 196, 150), road=(120, 96, 80)),
]
_ROOM_PRESETS = [
    dict(name="cream", wall=(240, 226, 190), trim=(190, 150, 110), floor=(176, 120, 74), floor2=(156, 102, 60),
         accents=[(70, 110, 170), (200, 70, 70), (90, 150, 100), (230, 190, 80)], sky=((120, 180, 240), (200, 230, 250))),
    dict(name="blue", wall=(168, 200, 226), trim=(240, 244, 248), floor=(150, 150, 160), floor2=(132, 132, 144),
         accents=[(240, 170, 70), (250, 250, 250), (90, 90, 120), (220, 110, 130)], sky=((250, 160, 100), (255, 220, 160))),
    dict(name="pink", wall=(246, 196, 206), trim=(255, 240, 240), floor=(222, 190, 146), floor2=(204, 170, 126),
         accents=[(140, 100, 180), (100, 180, 190), (250, 250, 230), (240, 120, 150)], sky=((110, 160, 230), (190, 220, 250))),
    dict(name="green", wall=(170, 196, 150), trim=(110, 80, 60), floor=(110, 74, 56), floor2=(94, 62, 46),
         accents=[(230, 210, 160), (180, 60, 50), (60, 80, 110), (240, 240, 220)], sky=((40, 50, 110), (90, 90, 160))),
]
_LAND_PRESETS = [
    dict(name="spring", variant="hills", top=(70, 150, 230), bottom=(196, 230, 250), sun=(255, 250, 220),
         far=(150, 180, 210), hills=[(120, 190, 90), (90, 164, 76), (66, 136, 64)], tree=(50, 120, 60),
         trunk=(120, 80, 50), path=(220, 200, 150)),
    dict(name="autumn", variant="hills", top=(240, 190, 110), bottom=(252, 236, 190), sun=(255, 240, 200),
         far=(200, 150, 140), hills=[(220, 150, 70), (200, 110, 60), (160, 80, 50)], tree=(210, 80, 50),
         trunk=(90, 60, 50), path=(236, 216, 170)),
    dict(name="seaside", variant="sea", top=(40, 130, 220), bottom=(180, 226, 250), sun=(255, 255, 230),
         far=(130, 170, 200), sea=[(40, 110, 190), (60, 140, 210), (90, 180, 230)], sand=(240, 220, 160),
         wet=(210, 186, 130), rock=(130, 130, 140), tree=(60, 150, 80), trunk=(140, 100, 60)),
    dict(name="sunset_sea", variant="sea", top=(110, 60, 130), bottom=(255, 150, 80), sun=(255, 230, 120),
         far=(140, 80, 120), sea=[(90, 50, 110), (130, 70, 120), (200, 110, 110)], sand=(200, 140, 110),
         wet=(160, 100, 100), rock=(80, 60, 80), tree=(60, 50, 70), trunk=(60, 40, 50)),
]
_NIGHT_PRESETS = [
    dict(name="navy", variant="town", top=(12, 18, 52), bottom=(40, 60, 120), sil=(30, 36, 70),
         lit=(255, 220, 120), moon=(250, 246, 210), ground=(40, 40, 60), lamp=(255, 236, 170)),
    dict(name="purple", variant="town", top=(30, 10, 50), bottom=(110, 50, 120), sil=(50, 30, 70),
         lit=(255, 150, 210), moon=(255, 220, 240), ground=(50, 36, 66), lamp=(255, 180, 230)),
    dict(name="teal", variant="hills", top=(6, 30, 40), bottom=(30, 90, 100), sil=(14, 50, 56),
         lit=(250, 250, 170), moon=(240, 255, 250), ground=(20, 60, 60), lamp=(210, 255, 200)),
    dict(name="ember", variant="hills", top=(30, 8, 16), bottom=(120, 40, 40), sil=(50, 16, 24),
         lit=(255, 190, 90), moon=(255, 140, 90), ground=(60, 20, 30), lamp=(255, 200, 120)),
]
_PRESETS = dict(sky=_SKY_PRESETS, city=_CITY_PRESETS, room=_ROOM_PRESETS,
                landscape=_LAND_PRESETS, night=_NIGHT_PRESETS)
