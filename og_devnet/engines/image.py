"""Offline text-to-image: a procedural painter, not a diffusion model.

It reads colours, shapes, subjects (house, lighthouse, boat, cat, dog, bird, car, person, city…),
counts and scene words ("dusk", "ocean", "night", "snow"…) from the prompt and draws them with Pillow
over a numpy gradient: scene subjects stand on the ground or float on the water, loose shapes sit in
a grid. A prompt with nothing it knows becomes an abstract landscape whose colours come from the
prompt's words. Same prompt + seed → identical PNG bytes.
"""

from __future__ import annotations

import io
import math
import random
import re
import secrets
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, PngImagePlugin

from .errors import EngineError

ALLOWED_SIZES = ("256x256", "512x512", "1024x1024")
MAX_N = 4
MAX_SHAPES = 12

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "red": (220, 30, 35), "crimson": (190, 20, 50), "orange": (250, 140, 20), "yellow": (250, 220, 40),
    "gold": (230, 180, 30), "golden": (230, 180, 30), "green": (40, 170, 60), "lime": (150, 230, 50),
    "teal": (20, 150, 140), "cyan": (40, 210, 230), "turquoise": (60, 210, 200), "blue": (35, 80, 220),
    "navy": (20, 30, 110), "purple": (130, 50, 180), "violet": (150, 90, 220), "magenta": (220, 40, 180),
    "pink": (250, 140, 190), "brown": (120, 75, 40), "black": (15, 15, 18), "white": (245, 245, 245),
    "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (190, 195, 200), "beige": (225, 210, 170),
}

@dataclass(frozen=True)
class _Scene:
    top: RGB  # sky gradient, top → bottom
    bottom: RGB
    implied: tuple[str, ...] = ()  # shapes the word brings along
    ground: RGB | None = None  # what subjects stand on, for places
    time: bool = False  # a time of day: its sky beats a place's sky ("a city at night")
    shade: tuple[RGB, float] | None = None  # tint (and how much) for subjects in low light


_NIGHT = _Scene((5, 10, 40), (30, 40, 90), ("moon", "stars_small"), time=True, shade=((8, 12, 40), 0.55))
_DUSK = _Scene((40, 45, 110), (245, 140, 90), (), time=True, shade=((70, 35, 80), 0.3))
_SUNSET = _Scene((255, 120, 40), (110, 40, 120), ("sun",), time=True, shade=((90, 40, 70), 0.25))
_SUNRISE = _Scene((255, 190, 90), (120, 170, 230), ("sun",), time=True)
_SEA = _Scene((110, 180, 235), (10, 60, 140), ("waves",))
_FIELD = _Scene((120, 180, 240), (70, 160, 60), (), ground=(75, 150, 65))
_SNOW = _Scene((220, 230, 245), (250, 250, 255), ("mountains",), ground=(238, 242, 250))
_CITY = _Scene((150, 175, 210), (215, 225, 238), ("skyline",), ground=(85, 88, 98))
_ROOM = _Scene((238, 228, 208), (214, 198, 172), (), ground=(160, 112, 72))
_RAIN = _Scene((110, 118, 135), (165, 170, 182), ("cloud", "rain"), shade=((60, 65, 80), 0.2))
SCENES: dict[str, _Scene] = {
    "sunset": _SUNSET, "sundown": _SUNSET,
    "sunrise": _SUNRISE, "dawn": _SUNRISE, "morning": _SUNRISE,
    "dusk": _DUSK, "twilight": _DUSK, "evening": _DUSK,
    "night": _NIGHT, "midnight": _NIGHT, "moonlit": _NIGHT, "starry": _NIGHT, "nighttime": _NIGHT,
    "ocean": _SEA, "sea": _SEA, "lake": _SEA, "seaside": _SEA, "coast": _SEA, "harbor": _SEA, "harbour": _SEA,
    "beach": _Scene((120, 190, 240), (235, 210, 150), ("sun", "waves"), ground=(236, 212, 156)),
    "space": _Scene((0, 0, 10), (20, 10, 40), ("stars_small",), ground=(105, 105, 115), time=True,
                    shade=((0, 0, 10), 0.3)),
    "sky": _Scene((90, 160, 240), (200, 230, 255)),
    "field": _FIELD, "grass": _FIELD, "countryside": _FIELD, "farm": _FIELD,
    "park": _Scene((120, 180, 240), (70, 160, 60), ("tree",), ground=(75, 150, 65)),
    "meadow": _Scene((120, 180, 240), (70, 160, 60), ("flower",), ground=(80, 160, 70)),
    "garden": _Scene((150, 200, 240), (70, 160, 60), ("flower",), ground=(80, 160, 70)),
    "forest": _Scene((150, 200, 160), (20, 80, 30), ("tree",), ground=(35, 95, 45)),
    "woods": _Scene((150, 200, 160), (20, 80, 30), ("tree",), ground=(35, 95, 45)),
    "desert": _Scene((250, 210, 140), (210, 150, 80), ("sun",), ground=(222, 180, 115)),
    "snow": _SNOW, "snowy": _SNOW, "winter": _Scene((210, 225, 245), (250, 250, 255), ("mountains",),
                                                     ground=(238, 242, 250)),
    "landscape": _Scene((120, 180, 240), (60, 140, 60), ("mountains", "sun"), ground=(70, 145, 60)),
    "city": _CITY, "town": _CITY, "street": _CITY, "downtown": _CITY,
    "room": _ROOM, "indoors": _ROOM, "kitchen": _ROOM, "bedroom": _ROOM,
    "rain": _RAIN, "rainy": _RAIN, "storm": _RAIN, "stormy": _RAIN,
}

# Shape nouns (singular and plural) → canonical shape name.
SHAPES: dict[str, str] = {}
for _name, _words in {
    "circle": ("circle", "circles", "ball", "balls", "dot", "dots", "ring", "rings", "bubble", "bubbles"),
    "square": ("square", "squares", "box", "boxes", "cube", "cubes"),
    "rectangle": ("rectangle", "rectangles"),
    "triangle": ("triangle", "triangles", "pyramid", "pyramids"),
    "star": ("star", "stars"),
    "heart": ("heart", "hearts"),
    "stripes": ("stripe", "stripes", "striped", "lines"),
    "checkerboard": ("checkerboard", "checkered", "chessboard", "grid"),
    "mountains": ("mountain", "mountains", "hills", "hill", "peaks"),
    "sun": ("sun",),
    "moon": ("moon",),
    "tree": ("tree", "trees", "pine", "pines"),
    "house": ("house", "houses", "home", "cottage", "cabin", "hut", "barn"),
    "cloud": ("cloud", "clouds", "cloudy"),
    "waves": ("wave", "waves", "water"),
    "flower": ("flower", "flowers", "rose", "roses", "tulip", "tulips", "daisy", "daisies"),
    "lighthouse": ("lighthouse", "lighthouses"),
    "tower": ("tower", "towers", "castle", "castles"),
    "boat": ("boat", "boats", "sailboat", "sailboats", "ship", "ships", "yacht", "sail"),
    "cat": ("cat", "cats", "kitten", "kittens", "kitty"),
    "dog": ("dog", "dogs", "puppy", "puppies"),
    "bird": ("bird", "birds", "seagull", "seagulls", "gull", "gulls"),
    "car": ("car", "cars", "taxi", "truck"),
    "person": ("person", "people", "man", "men", "woman", "women", "child", "children", "kid", "kids",
               "boy", "girl", "figure", "figures", "someone", "astronaut", "walker"),
    "skyline": ("skyline", "skyscraper", "skyscrapers", "building", "buildings"),
    "rocket": ("rocket", "rockets", "spaceship", "spaceships"),
    "planet": ("planet", "planets", "saturn"),
    "mat": ("mat", "rug", "carpet"),
}.items():
    for _w in _words:
        SHAPES[_w] = _name
PLURALS = {"people": 3, "men": 2, "women": 2, "children": 3, "kids": 3, "figures": 3}  # no trailing "s"

# Shapes that form the scenery (drawn once, in layers) rather than countable objects.
SCENERY = {"stripes", "checkerboard", "mountains", "waves", "sun", "moon", "stars_small", "skyline", "rain", "mat"}
SCENERY_ORDER = ("stripes", "checkerboard", "stars_small", "moon", "sun", "mountains", "skyline", "waves", "rain")
# Subjects that stand on the ground (or float, for boats) rather than sit in a grid:
# shape → (height when alone as a share of the image height, half-width in units of r, top above cy in r).
GROUNDED: dict[str, tuple[float, float, float]] = {
    "house": (0.36, 1.0, 1.0), "lighthouse": (0.56, 0.3, 1.0), "tower": (0.46, 0.42, 1.0),
    "tree": (0.42, 0.78, 1.0), "person": (0.32, 0.42, 1.0), "cat": (0.26, 0.85, 1.0),
    "dog": (0.24, 1.0, 0.65), "car": (0.18, 1.02, 0.12), "boat": (0.3, 0.92, 1.0), "flower": (0.16, 0.5, 1.0),
}
NUMBERS = {"a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "pair": 2, "three": 3, "four": 4, "five": 5,
           "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
SIZE_WORDS = {"tiny": 0.45, "small": 0.65, "little": 0.65, "big": 1.3, "large": 1.3, "huge": 1.55, "giant": 1.55}
BACKGROUND_WORDS = {"background", "backdrop", "bg", "sky", "field", "grass", "meadow", "wall"}
SOFT_WORDS = {"watercolor", "watercolour", "painting", "painted", "pastel", "dreamy", "soft", "misty", "foggy"}
# Natural colours for objects the prompt does not colour.
DEFAULT_COLOURS: dict[str, RGB] = {
    "tree": (30, 120, 45), "cloud": (250, 250, 252), "sun": (255, 210, 60), "moon": (240, 240, 210),
    "lighthouse": (205, 40, 45), "tower": (150, 146, 140), "boat": (150, 80, 45), "cat": (228, 138, 58),
    "dog": (150, 100, 55), "bird": (45, 45, 58), "person": (55, 95, 175), "rocket": (236, 236, 242),
    "house": (214, 120, 80), "mat": (170, 60, 60),
}
_STOP = {"a", "an", "the", "of", "in", "on", "at", "and", "with", "to", "is", "it", "by", "for", "from", "over",
         "under", "its", "this", "that", "very", "some", "my"}


@dataclass
class _Object:
    shape: str
    count: int = 1
    colour: RGB | None = None
    scale: float = 1.0
    backdrop: bool = False  # brought by a scene word, not asked for: drawn behind the subjects


@dataclass
class _Plan:
    objects: list[_Object] = field(default_factory=list)
    scenery: list[_Object] = field(default_factory=list)
    background: tuple[RGB, RGB] | None = None  # from "<colour> background": beats any scene's sky
    time_sky: tuple[RGB, RGB] | None = None
    place_sky: tuple[RGB, RGB] | None = None
    ground: RGB | None = None
    shade: tuple[RGB, float] | None = None
    soft: bool = False
    loose_colours: list[RGB] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def sky(self) -> tuple[RGB, RGB] | None:
        return self.background or self.time_sky or self.place_sky


def parse_size(size: str) -> tuple[int, int]:
    if size not in ALLOWED_SIZES:
        raise EngineError(f"Unsupported size {size!r}; allowed sizes: {', '.join(ALLOWED_SIZES)}.")
    w, h = size.split("x")
    return int(w), int(h)


def _has(plan: _Plan, shape: str) -> bool:
    return any(o.shape == shape for o in plan.scenery + plan.objects)


def _plan(prompt: str) -> _Plan:
    """Turn the prompt into objects: a colour/count/size word applies to the next shape noun."""
    words = re.findall(r"[a-z]+|\d+", prompt.lower())
    plan = _Plan(words=words)
    colour: RGB | None = None
    count: int | None = None
    scale = 1.0
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in COLOURS:
            if nxt in BACKGROUND_WORDS and plan.background is None:
                c = COLOURS[word]
                plan.background = (_mix(c, (255, 255, 255), 0.25), _mix(c, (0, 0, 0), 0.25))
            else:
                colour = COLOURS[word]
                plan.loose_colours.append(colour)
        elif word.isdigit() or word in NUMBERS:
            count = int(word) if word.isdigit() else NUMBERS[word]
        elif word in ("some", "several", "many", "lots"):
            count = -1  # resolved with the seed
        elif word in SIZE_WORDS:
            scale = SIZE_WORDS[word]
        elif word in SOFT_WORDS:
            plan.soft = True
        elif word in SCENES:
            scene = SCENES[word]
            if scene.time:
                plan.time_sky = plan.time_sky or (scene.top, scene.bottom)
            else:
                plan.place_sky = plan.place_sky or (scene.top, scene.bottom)
            plan.ground = plan.ground or scene.ground
            plan.shade = plan.shade or scene.shade
            for s in scene.implied:
                if not _has(plan, s):
                    many = -1 if s in ("tree", "flower") else 1  # a forest has several trees
                    (plan.scenery if s in SCENERY else plan.objects).append(_Object(s, many, backdrop=True))
        elif word in SHAPES:
            shape = SHAPES[word]
            plural = (word in PLURALS or word.endswith("s") and not word.endswith("ss")
                      and shape not in ("stripes", "mountains", "waves", "skyline"))
            n = count if count is not None else (-1 if plural else 1)
            obj = _Object(shape, n, colour, scale)
            target = plan.scenery if shape in SCENERY else plan.objects
            target[:] = [o for o in target if o.shape != shape or o.colour is not None]  # explicit beats implied
            target.append(obj)
            if colour is not None and colour in plan.loose_colours:
                plan.loose_colours.remove(colour)
            colour, count, scale = None, None, 1.0
    # "a girl with a red umbrella": a colour left over goes to the first subject without one.
    for obj in plan.objects:
        if plan.loose_colours and obj.colour is None and obj.shape in GROUNDED and not obj.backdrop:
            obj.colour = plan.loose_colours.pop(0)
    # Subjects bring their setting: a boat floats, a lighthouse stands by the sea unless placed elsewhere.
    if (_has(plan, "boat") or _has(plan, "lighthouse") and plan.ground is None) and not _has(plan, "waves"):
        plan.scenery.append(_Object("waves"))
        plan.place_sky = plan.place_sky or (SCENES["sea"].top, SCENES["sea"].bottom)
    if _has(plan, "mat") and plan.ground is None:  # a mat is indoors
        plan.place_sky = plan.place_sky or (_ROOM.top, _ROOM.bottom)
        plan.ground = _ROOM.ground
    return plan


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _gradient(w: int, h: int, top: RGB, bottom: RGB, rng: random.Random) -> Image.Image:
    # A slightly tilted vertical gradient; the tilt comes from the seed so images vary per seed.
    tilt = rng.uniform(-0.25, 0.25)
    ys = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    t = np.clip(ys + tilt * xs, 0.0, 1.0)[..., None]
    arr = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return Image.fromarray(arr.astype(np.uint8), "RGB")


def _star(cx: float, cy: float, r: float, rot: float, points: int = 5) -> list[tuple[float, float]]:
    pts = []
    for k in range(points * 2):
        rad = r if k % 2 == 0 else r * 0.42
        a = rot - math.pi / 2 + k * math.pi / points
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


@dataclass(frozen=True)
class _Light:
    """Low light (night, dusk): subjects are tinted and windows/lamps glow."""

    tint: RGB = (0, 0, 0)
    amount: float = 0.0

    @property
    def lit(self) -> bool:
        return self.amount >= 0.25

    def shade(self, c: RGB) -> RGB:
        return _mix(c, self.tint, self.amount) if self.amount else c


_DARK = (40, 38, 45)
_WINDOW_DAY = (185, 215, 240)
_WINDOW_LIT = (255, 214, 110)


def _draw_object(d: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, colour: RGB,
                 rng: random.Random, light: _Light = _Light()) -> None:
    """One shape in the box cx±r, cy±r (subjects keep their feet at cy + r); colours already shaded."""
    sh = light.shade
    window = _WINDOW_LIT if light.lit else sh(_WINDOW_DAY)
    if shape == "circle":
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "square":
        d.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "rectangle":
        d.rectangle((cx - r * 1.4, cy - r * 0.8, cx + r * 1.4, cy + r * 0.8), fill=colour)
    elif shape == "triangle":
        d.polygon([(cx, cy - r), (cx + r * 1.1, cy + r * 0.85), (cx - r * 1.1, cy + r * 0.85)], fill=colour)
    elif shape == "star":
        d.polygon(_star(cx, cy, r * 1.15, rng.uniform(-0.2, 0.2)), fill=colour)
    elif shape == "heart":
        lobe = r * 0.55
        d.ellipse((cx - r, cy - r * 0.75, cx - r + 2 * lobe, cy - r * 0.75 + 2 * lobe), fill=colour)
        d.ellipse((cx + r - 2 * lobe, cy - r * 0.75, cx + r, cy - r * 0.75 + 2 * lobe), fill=colour)
        d.polygon([(cx - r * 0.98, cy - r * 0.25), (cx + r * 0.98, cy - r * 0.25), (cx, cy + r)], fill=colour)
    elif shape == "tree":
        d.rectangle((cx - r * 0.15, cy + r * 0.2, cx + r * 0.15, cy + r), fill=sh((100, 60, 30)))
        d.polygon([(cx, cy - r), (cx + r * 0.75, cy + r * 0.35), (cx - r * 0.75, cy + r * 0.35)], fill=colour)
    elif shape == "house":
        d.rectangle((cx - r * 0.8, cy - r * 0.1, cx + r * 0.8, cy + r), fill=colour)
        d.polygon([(cx - r, cy - r * 0.1), (cx + r, cy - r * 0.1), (cx, cy - r)], fill=_mix(colour, (0, 0, 0), 0.4))
        d.rectangle((cx - r * 0.18, cy + r * 0.4, cx + r * 0.18, cy + r), fill=_mix(colour, (0, 0, 0), 0.6))
        for side in (-1, 1):
            x = cx + side * r * 0.5
            d.rectangle((x - r * 0.14, cy + r * 0.22, x + r * 0.14, cy + r * 0.5), fill=window)
    elif shape == "cloud":
        for dx, dy, rr in ((-0.55, 0.1, 0.45), (0.0, -0.15, 0.6), (0.55, 0.1, 0.45)):
            x, y, q = cx + dx * r, cy + dy * r, rr * r
            d.ellipse((x - q, y - q, x + q, y + q), fill=colour)
    elif shape == "flower":
        petal = r * 0.42
        for k in range(6):
            a = k * math.pi / 3
            x, y = cx + math.cos(a) * r * 0.55, cy + math.sin(a) * r * 0.55
            d.ellipse((x - petal, y - petal, x + petal, y + petal), fill=colour)
        d.ellipse((cx - petal, cy - petal, cx + petal, cy + petal), fill=sh((250, 210, 40)))
    elif shape == "lighthouse":
        _lighthouse(d, cx, cy, r, colour, light)
    elif shape == "tower":
        body, dark = colour, _mix(colour, (0, 0, 0), 0.35)
        d.rectangle((cx - r * 0.34, cy - r * 0.62, cx + r * 0.34, cy + r), fill=body)
        d.rectangle((cx - r * 0.42, cy - r * 0.72, cx + r * 0.42, cy - r * 0.55), fill=dark)
        for k in range(4):  # battlements
            x = cx - r * 0.42 + k * r * 0.84 / 3.5
            d.rectangle((x, cy - r, x + r * 0.84 / 7, cy - r * 0.7), fill=dark)
        d.rectangle((cx - r * 0.05, cy - r * 0.35, cx + r * 0.05, cy - r * 0.1), fill=window)
        d.chord((cx - r * 0.16, cy + r * 0.45, cx + r * 0.16, cy + r * 0.75), 180, 360, fill=_DARK)
        d.rectangle((cx - r * 0.16, cy + r * 0.6, cx + r * 0.16, cy + r), fill=_DARK)
    elif shape == "boat":
        sail = sh((248, 246, 238))
        d.line([(cx, cy - r), (cx, cy + r * 0.6)], fill=sh(_DARK), width=max(2, int(r * 0.05)))
        d.polygon([(cx + r * 0.05, cy - r * 0.95), (cx + r * 0.05, cy + r * 0.45), (cx + r * 0.75, cy + r * 0.45)],
                  fill=sail)
        d.polygon([(cx - r * 0.05, cy - r * 0.75), (cx - r * 0.05, cy + r * 0.45), (cx - r * 0.55, cy + r * 0.45)],
                  fill=_mix(sail, (0, 0, 0), 0.08))
        d.polygon([(cx - r * 0.92, cy + r * 0.55), (cx + r * 0.92, cy + r * 0.55), (cx + r * 0.62, cy + r),
                   (cx - r * 0.62, cy + r)], fill=colour)
        d.rectangle((cx - r * 0.85, cy + r * 0.55, cx + r * 0.85, cy + r * 0.62), fill=_mix(colour, (255, 255, 255), 0.4))
    elif shape == "cat":
        _cat(d, cx, cy, r, colour, light)
    elif shape == "dog":
        _dog(d, cx, cy, r, colour)
    elif shape == "bird":
        wing = max(2, int(r * 0.14))
        for side in (-1, 1):
            d.line([(cx, cy + r * 0.1), (cx + side * r * 0.45, cy - r * 0.35), (cx + side * r, cy - r * 0.15)],
                   fill=colour, width=wing, joint="curve")
        d.ellipse((cx - r * 0.12, cy - r * 0.02, cx + r * 0.12, cy + r * 0.22), fill=colour)
    elif shape == "car":
        _car(d, cx, cy, r, colour, light)
    elif shape == "person":
        skin = sh((62, 52, 58))  # a silhouette: head, arms and legs in one neutral dark tone
        limb = max(2, int(r * 0.1))
        for side in (-1, 1):
            d.line([(cx + side * r * 0.1, cy + r * 0.25), (cx + side * r * 0.14, cy + r)], fill=skin, width=limb)
            d.line([(cx + side * r * 0.17, cy - r * 0.48), (cx + side * r * 0.36, cy + r * 0.08)], fill=skin,
                   width=limb)
        d.polygon([(cx - r * 0.19, cy - r * 0.56), (cx + r * 0.19, cy - r * 0.56), (cx + r * 0.3, cy + r * 0.32),
                   (cx - r * 0.3, cy + r * 0.32)], fill=colour)
        d.ellipse((cx - r * 0.19, cy - r, cx + r * 0.19, cy - r * 0.6), fill=skin)
    elif shape == "rocket":
        fins = _mix(colour, (200, 30, 40), 0.8) if colour == DEFAULT_COLOURS["rocket"] else _mix(colour, (0, 0, 0), 0.35)
        d.polygon([(cx - r * 0.14, cy + r * 0.5), (cx, cy + r), (cx + r * 0.14, cy + r * 0.5)], fill=(255, 170, 40))
        for side in (-1, 1):
            d.polygon([(cx + side * r * 0.2, cy + r * 0.05), (cx + side * r * 0.45, cy + r * 0.6),
                       (cx + side * r * 0.2, cy + r * 0.5)], fill=fins)
        d.ellipse((cx - r * 0.22, cy - r * 0.95, cx + r * 0.22, cy + r * 0.6), fill=colour)
        d.chord((cx - r * 0.22, cy - r, cx + r * 0.22, cy - r * 0.3), 180, 360, fill=fins)
        d.ellipse((cx - r * 0.1, cy - r * 0.3, cx + r * 0.1, cy - r * 0.1), fill=(90, 170, 230))
    elif shape == "planet":
        d.ellipse((cx - r * 0.62, cy - r * 0.62, cx + r * 0.62, cy + r * 0.62), fill=colour)
        ring = _mix(colour, (255, 255, 255), 0.5)
        d.arc((cx - r, cy - r * 0.28, cx + r, cy + r * 0.28), 0, 180, fill=ring, width=max(2, int(r * 0.07)))
    else:  # pragma: no cover - every shape above is handled
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)


def _lighthouse(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB, light: _Light) -> None:
    top, base = cy - r * 0.45, cy + r  # the tapering tower, under the lamp room

    def half(y: float) -> float:
        return r * (0.15 + 0.11 * (y - top) / (base - top))

    white = light.shade((242, 240, 232))
    d.polygon([(cx - half(top), top), (cx + half(top), top), (cx + half(base), base), (cx - half(base), base)],
              fill=white)
    bands = 3
    for k in range(bands):  # coloured bands alternate with white
        y0 = top + (base - top) * (2 * k + 1) / (2 * bands + 1)
        y1 = top + (base - top) * (2 * k + 2) / (2 * bands + 1)
        d.polygon([(cx - half(y0), y0), (cx + half(y0), y0), (cx + half(y1), y1), (cx - half(y1), y1)], fill=colour)
    lamp = _WINDOW_LIT if light.lit else light.shade((255, 236, 150))
    if light.lit:  # a halo around the lamp
        q = r * 0.32
        d.ellipse((cx - q, cy - r * 0.62 - q, cx + q, cy - r * 0.62 + q), fill=_mix((255, 240, 185), light.tint, 0.25))
    d.rectangle((cx - r * 0.11, cy - r * 0.78, cx + r * 0.11, top), fill=lamp)
    d.rectangle((cx - r * 0.02, cy - r * 0.78, cx + r * 0.02, top), fill=light.shade(_DARK))
    d.rectangle((cx - r * 0.22, top - r * 0.03, cx + r * 0.22, top + r * 0.04), fill=light.shade(_DARK))
    d.polygon([(cx - r * 0.17, cy - r * 0.78), (cx + r * 0.17, cy - r * 0.78), (cx, cy - r)],
              fill=_mix(colour, (0, 0, 0), 0.35))
    d.rectangle((cx - r * 0.05, base - r * 0.16, cx + r * 0.05, base), fill=light.shade(_DARK))


def _cat(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB, light: _Light) -> None:
    """A cat sitting, facing us: body, head, ears, tail, eyes."""
    dark = _mix(colour, (0, 0, 0), 0.3)
    tail = [(cx + r * 0.3, cy + r * 0.92), (cx + r * 0.7, cy + r * 0.8), (cx + r * 0.82, cy + r * 0.45),
            (cx + r * 0.7, cy + r * 0.15)]
    d.line(tail, fill=dark, width=max(2, int(r * 0.13)), joint="curve")
    d.ellipse((cx - r * 0.48, cy - r * 0.2, cx + r * 0.48, cy + r), fill=colour)
    for side in (-1, 1):
        d.polygon([(cx + side * r * 0.38, cy - r * 0.48), (cx + side * r * 0.34, cy - r),
                   (cx + side * r * 0.06, cy - r * 0.74)], fill=colour)
        d.polygon([(cx + side * r * 0.31, cy - r * 0.56), (cx + side * r * 0.3, cy - r * 0.86),
                   (cx + side * r * 0.14, cy - r * 0.72)], fill=light.shade((240, 160, 170)))
    d.ellipse((cx - r * 0.4, cy - r * 0.82, cx + r * 0.4, cy - r * 0.1), fill=colour)
    d.ellipse((cx - r * 0.2, cy + r * 0.1, cx + r * 0.2, cy + r * 0.9), fill=_mix(colour, (255, 255, 255), 0.35))
    eye = (200, 230, 70) if not light.lit else (230, 240, 90)  # cats' eyes shine in the dark
    for side in (-1, 1):
        x, y = cx + side * r * 0.16, cy - r * 0.47
        d.ellipse((x - r * 0.08, y - r * 0.08, x + r * 0.08, y + r * 0.08), fill=eye)
        d.ellipse((x - r * 0.025, y - r * 0.07, x + r * 0.025, y + r * 0.07), fill=(20, 20, 20))
        for dy in (-0.02, 0.05):  # whiskers
            d.line([(cx + side * r * 0.12, cy - r * 0.3), (cx + side * r * 0.5, cy - r * (0.33 - dy * 3))],
                   fill=light.shade((70, 60, 60)), width=max(1, int(r * 0.015)))
    d.polygon([(cx - r * 0.05, cy - r * 0.36), (cx + r * 0.05, cy - r * 0.36), (cx, cy - r * 0.3)],
              fill=light.shade((235, 120, 140)))


def _dog(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB) -> None:
    """A dog standing in profile, facing right."""
    dark = _mix(colour, (0, 0, 0), 0.4)
    leg = r * 0.13
    d.line([(cx - r * 0.62, cy + r * 0.02), (cx - r * 0.9, cy - r * 0.32)], fill=colour, width=max(2, int(r * 0.1)))
    for x in (-0.55, -0.35, 0.22, 0.42):
        d.rectangle((cx + r * x - leg / 2, cy + r * 0.2, cx + r * x + leg / 2, cy + r), fill=colour)
    d.rounded_rectangle((cx - r * 0.7, cy - r * 0.12, cx + r * 0.55, cy + r * 0.42), radius=r * 0.2, fill=colour)
    d.polygon([(cx + r * 0.3, cy - r * 0.05), (cx + r * 0.52, cy - r * 0.5), (cx + r * 0.7, cy - r * 0.3),
               (cx + r * 0.55, cy + r * 0.2)], fill=colour)  # neck
    d.ellipse((cx + r * 0.38, cy - r * 0.65, cx + r * 0.85, cy - r * 0.2), fill=colour)
    d.rounded_rectangle((cx + r * 0.7, cy - r * 0.45, cx + r * 1.02, cy - r * 0.22), radius=r * 0.1, fill=colour)
    d.ellipse((cx + r * 0.93, cy - r * 0.48, cx + r * 1.05, cy - r * 0.36), fill=(25, 22, 22))
    d.ellipse((cx + r * 0.62, cy - r * 0.52, cx + r * 0.7, cy - r * 0.44), fill=(25, 22, 22))
    d.ellipse((cx + r * 0.4, cy - r * 0.6, cx + r * 0.58, cy - r * 0.15), fill=dark)  # floppy ear


def _car(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float, colour: RGB, light: _Light) -> None:
    """A car in profile, wheels on the ground at cy + r."""
    glass = light.shade((170, 205, 230))
    d.polygon([(cx - r * 0.55, cy + r * 0.35), (cx - r * 0.35, cy - r * 0.1), (cx + r * 0.3, cy - r * 0.1),
               (cx + r * 0.55, cy + r * 0.35)], fill=colour)
    d.polygon([(cx - r * 0.45, cy + r * 0.33), (cx - r * 0.3, cy), (cx - r * 0.04, cy), (cx - r * 0.04, cy + r * 0.33)],
              fill=glass)
    d.polygon([(cx + r * 0.04, cy + r * 0.33), (cx + r * 0.04, cy), (cx + r * 0.26, cy), (cx + r * 0.44, cy + r * 0.33)],
              fill=glass)
    d.rounded_rectangle((cx - r, cy + r * 0.3, cx + r, cy + r * 0.8), radius=r * 0.14, fill=colour)
    d.rectangle((cx + r * 0.86, cy + r * 0.4, cx + r, cy + r * 0.52), fill=_WINDOW_LIT)  # headlight
    for x in (-0.58, 0.58):
        q = r * 0.21
        d.ellipse((cx + r * x - q, cy + r - 2 * q, cx + r * x + q, cy + r), fill=(30, 30, 34))
        d.ellipse((cx + r * x - q * 0.45, cy + r - q * 1.45, cx + r * x + q * 0.45, cy + r - q * 0.55),
                  fill=(170, 170, 178))


def _draw_scenery(img: Image.Image, d: ImageDraw.ImageDraw, obj: _Object, palette: list[RGB],
                  rng: random.Random, light: _Light = _Light()) -> None:
    w, h = img.size
    colour = obj.colour
    if obj.shape == "stripes":
        n = obj.count if obj.count and obj.count > 1 else rng.randint(5, 9)
        cols = [colour] if colour else []
        cols += [c for c in palette if c != colour] or [(245, 245, 245)]
        if len(cols) == 1:
            cols.append((245, 245, 245))
        band = h / n
        for k in range(n):
            d.rectangle((0, k * band, w, (k + 1) * band), fill=cols[k % len(cols)])
    elif obj.shape == "checkerboard":
        cells = 8
        a = colour or (palette[0] if palette else (20, 20, 20))
        b = next((c for c in palette if c != a), (240, 240, 240))
        cw, ch = w / cells, h / cells
        for i in range(cells):
            for j in range(cells):
                d.rectangle((i * cw, j * ch, (i + 1) * cw, (j + 1) * ch), fill=a if (i + j) % 2 == 0 else b)
    elif obj.shape == "mountains":
        base = light.shade(colour or (90, 95, 120))
        for layer in range(2):
            c = _mix(base, (255, 255, 255), 0.25 * (1 - layer))
            pts = [(0, h)]
            peaks = rng.randint(3, 5)
            for k in range(peaks + 1):
                x = w * k / peaks
                y = h * (rng.uniform(0.35, 0.55) + 0.12 * layer if k % 2 == 0 else rng.uniform(0.6, 0.7))
                pts.append((x, y))
            pts.append((w, h))
            d.polygon(pts, fill=c)
    elif obj.shape == "waves":
        base = light.shade(colour or (20, 90, 170))
        for k in range(4):
            y0 = h * (0.62 + 0.1 * k)
            phase = rng.uniform(0, math.tau)
            pts = [(x, y0 + h * 0.02 * math.sin(phase + x / w * 6 * math.pi)) for x in range(0, w + 8, 8)]
            d.polygon([(0, h), *pts, (w, h)], fill=_mix(base, (0, 0, 40), 0.15 * k))
    elif obj.shape == "sun":
        r = min(w, h) * 0.13 * obj.scale
        cx, cy = w * rng.uniform(0.6, 0.8), h * rng.uniform(0.2, 0.35)
        c = colour or (255, 210, 60)
        d.ellipse((cx - r * 1.35, cy - r * 1.35, cx + r * 1.35, cy + r * 1.35), fill=_mix(c, (255, 255, 255), 0.5))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=c)
    elif obj.shape == "moon":
        r = min(w, h) * 0.1 * obj.scale
        cx, cy = w * rng.uniform(0.2, 0.35), h * rng.uniform(0.15, 0.3)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour or (240, 240, 210))
        bg = img.getpixel((int(min(w - 1, cx + r * 1.2)), int(cy)))
        d.ellipse((cx - r * 0.55, cy - r * 1.05, cx + r * 1.45, cy + r * 0.95), fill=bg)
    elif obj.shape == "stars_small":
        for _ in range(60):
            x, y, q = rng.uniform(0, w), rng.uniform(0, h * 0.6), rng.uniform(0.5, 2.0) * w / 512
            d.ellipse((x - q, y - q, x + q, y + q), fill=(255, 255, 230))
    elif obj.shape == "skyline":
        _skyline(d, w, h, colour, rng, light)
    elif obj.shape == "rain":
        q = h * 0.035
        for _ in range(160):
            x, y = rng.uniform(-0.1 * w, w), rng.uniform(0, h)
            d.line([(x, y), (x + q * 0.3, y + q)], fill=(205, 212, 228), width=max(1, w // 512))


def _skyline(d: ImageDraw.ImageDraw, w: int, h: int, colour: RGB | None, rng: random.Random,
             light: _Light) -> None:
    """Two rows of buildings; the front row has windows (many lit at night)."""
    base = light.shade(colour or (70, 78, 100))
    win = max(2, w // 110)
    for layer in range(2):
        c = _mix(base, (215, 222, 235), 0.45) if layer == 0 else base
        x = -rng.uniform(0, 0.05) * w
        while x < w:
            bw = w * rng.uniform(0.07, 0.13)
            top = h * (rng.uniform(0.28, 0.5) if layer == 0 else rng.uniform(0.42, 0.66))
            d.rectangle((x, top, x + bw, h), fill=c)
            if layer == 1:
                for yy in np.arange(top + win * 1.5, h - win, win * 2.4):
                    for xx in np.arange(x + win, x + bw - win * 1.5, win * 2.2):
                        on = rng.random() < 0.45 if light.lit else True
                        if on:
                            d.rectangle((xx, yy, xx + win, yy + win * 1.2),
                                        fill=_WINDOW_LIT if light.lit else _mix(c, _WINDOW_DAY, 0.6))
            x += bw + (w * rng.uniform(0.0, 0.02) if layer == 1 else 0.0)


def _layout(count: int, w: float, h: float, rng: random.Random, x0: float = 0.0,
            y0: float = 0.0) -> list[tuple[float, float, float]]:
    """Centres and radii for `count` objects in a jittered grid over the box (x0, y0, x0 + w, y0 + h)."""
    if count <= 0:
        return []
    if count == 1:
        r = min(w, h) * 0.26
        return [(x0 + w / 2 + rng.uniform(-0.03, 0.03) * w, y0 + h / 2 + rng.uniform(-0.03, 0.03) * h, r)]
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    cw, ch = w / cols, h / rows
    r = min(cw, ch) * 0.34
    out = []
    for k in range(count):
        row, col = divmod(k, cols)
        in_row = min(cols, count - row * cols)  # centre a short last row
        xs = (w - in_row * cw) / 2
        out.append((x0 + xs + (col + 0.5) * cw + rng.uniform(-0.06, 0.06) * cw,
                    y0 + (row + 0.5) * ch + rng.uniform(-0.06, 0.06) * ch, r))
    return out


def _ground(d: ImageDraw.ImageDraw, w: int, h: int, top: float, colour: RGB, rng: random.Random) -> None:
    """A gently rolling band of ground from `top` down."""
    phase, amp = rng.uniform(0, math.tau), h * 0.012
    pts = [(x, top + amp * math.sin(phase + x / w * 2.5 * math.pi)) for x in range(0, w + 16, 16)]
    d.polygon([(0, h), *pts, (w, h)], fill=colour)


def _shore(d: ImageDraw.ImageDraw, w: int, h: int, right: float, colour: RGB) -> float:
    """Rocky land on the left reaching into the sea up to x = `right`; returns its top y."""
    top = h * 0.6
    d.polygon([(0, h), (0, top), (right * 0.8, top - h * 0.01), (right, top + h * 0.06), (right + w * 0.06, h * 0.8),
               (right + w * 0.04, h)], fill=colour)
    d.polygon([(0, top + h * 0.05), (right * 0.9, top + h * 0.06), (right + w * 0.03, h * 0.8), (0, h * 0.8)],
              fill=_mix(colour, (0, 0, 0), 0.15))
    return top


def _place(items: list[_Object], x0: float, x1: float, base: float, h: int, rng: random.Random
           ) -> list[tuple[_Object, float, float, float]]:
    """Grounded subjects side by side in [x0, x1]: (object, cx, cy, r) with feet at cy + r, back row first.

    A scene's own props (a park's trees) stand in a smaller back row behind the prompt's subjects;
    more than four subjects also split into two rows."""
    front = [o for o in items if not o.backdrop]
    back = [o for o in items if o.backdrop]
    if not front or not back:
        back, front = (items[0::2], items[1::2]) if len(items) > 4 else ([], items)
    shrink = 1.35 if len(front) == 1 and not back else (1.0 if len(front) <= 3 else 0.8)
    out = []
    for row, depth in ((back, 0.7), (front, 1.0)):
        slot = (x1 - x0) / max(1, len(row))
        feet = base - (h * 0.05 if depth < 1 else 0.0)
        for idx, obj in enumerate(row):
            frac, half_w, top = GROUNDED[obj.shape]
            height = frac * h * shrink * depth * (obj.scale if len(items) == 1 else min(obj.scale, 1.3))
            # fit the slot and keep the top inside the picture
            r = min(height / (1 + top), slot * 0.46 / half_w, (feet - h * 0.04) / (1 + top))
            cx = x0 + (idx + 0.5) * slot + rng.uniform(-0.08, 0.08) * slot
            y = feet + rng.uniform(-0.012, 0.012) * h
            out.append((obj, cx, y - r, r))
    return sorted(out, key=lambda t: t[2] + t[3])


def _abstract(img: Image.Image, d: ImageDraw.ImageDraw, plan: _Plan, palette: list[RGB],
              rng: random.Random) -> None:
    """No known subject: layered hills and a pale disc, coloured by the prompt (its colour words, or a
    hue hashed from its words), so different prompts give visibly different pictures."""
    w, h = img.size
    key = zlib.crc32(" ".join(x for x in plan.words if x not in _STOP).encode())
    hue = (key % 997) / 997
    layers = 3 + key % 3
    if palette:
        hills = [_mix(palette[k % len(palette)], (0, 0, 0), 0.12 * k) for k in range(layers)]
    else:
        hills = [_hsv((hue + 0.03 * k) % 1, 0.3 + 0.12 * k, 0.82 - 0.12 * k) for k in range(layers)]
    q = min(w, h) * (0.08 + 0.05 * ((key >> 8) % 3))
    cx, cy = w * (0.2 + 0.6 * ((key >> 4) % 16) / 15), h * rng.uniform(0.18, 0.3)
    disc = _mix(hills[0], (255, 250, 235), 0.75)
    d.ellipse((cx - q, cy - q, cx + q, cy + q), fill=disc)
    for k in range(layers):
        y0 = h * (0.42 + 0.45 * k / layers)
        amp = h * rng.uniform(0.03, 0.07) * (1 - 0.15 * k)
        f1, f2 = rng.uniform(0.8, 2.2), rng.uniform(2.5, 5.0)
        p1, p2 = rng.uniform(0, math.tau), rng.uniform(0, math.tau)
        pts = [(x, y0 + amp * math.sin(p1 + f1 * math.pi * x / w) + amp * 0.35 * math.sin(p2 + f2 * math.pi * x / w))
               for x in range(0, w + 16, 16)]
        d.polygon([(0, h), *pts, (w, h)], fill=hills[k])


def _render(prompt: str, w: int, h: int, seed: int) -> Image.Image:
    rng = random.Random(f"{seed}:{prompt}")
    plan = _plan(prompt)
    palette = plan.loose_colours or [c for o in plan.objects + plan.scenery if (c := o.colour)]
    light = _Light(*plan.shade) if plan.shade else _Light()
    sky = plan.sky()
    content = [x for x in plan.words if x not in _STOP and x not in COLOURS and len(x) > 2 and not x.isdigit()]
    abstract = not plan.objects and not plan.scenery and (not palette or content) and sky is None
    if sky is not None:
        top, bottom = sky
    elif abstract:
        # Nothing it can draw: a calm landscape whose sky also follows the prompt's words/colours.
        hue = (zlib.crc32(" ".join(x for x in plan.words if x not in _STOP).encode()) % 997) / 997
        top, bottom = ((_mix(palette[0], (255, 255, 255), 0.7), _mix(palette[-1], (255, 255, 255), 0.35))
                       if palette else (_hsv((hue + 0.5) % 1, 0.15, 0.98), _hsv((hue + 0.55) % 1, 0.3, 0.93)))
    elif palette and not plan.objects and not plan.scenery:
        # Colours but nothing to draw: the colours become the picture.
        top, bottom = palette[0], palette[-1] if len(palette) > 1 else _mix(palette[0], (0, 0, 0), 0.45)
    else:
        hue = rng.random()
        top = _hsv(hue, 0.18, 0.97)
        bottom = _hsv((hue + 0.12) % 1, 0.35, 0.8)
    img = _gradient(w, h, top, bottom, rng)
    d = ImageDraw.Draw(img)
    if abstract:
        _abstract(img, d, plan, palette, rng)
        return _soften(img) if plan.soft else img
    for obj in sorted((o for o in plan.scenery if o.shape != "mat"), key=lambda o: SCENERY_ORDER.index(o.shape)):
        _draw_scenery(img, d, obj, palette, rng, light)
    # One shared layout for every object, so "a triangle and two stars" do not overlap.
    items: list[_Object] = []
    for obj in plan.objects:
        items += [obj] * (obj.count if obj.count > 0 else rng.randint(3, 6))
    items = items[:MAX_SHAPES]
    has_ground = plan.ground is not None or any(o.shape in GROUNDED and o.shape not in ("flower",) for o in items)
    grounded = [o for o in items if o.shape in GROUNDED and (o.shape != "flower" or has_ground)]
    free = [o for o in items if o not in grounded]

    def colour_of(obj: _Object) -> RGB:
        c = obj.colour or DEFAULT_COLOURS.get(obj.shape) or (
            rng.choice(palette) if palette else _hsv(rng.random(), 0.75, 0.9))
        if obj.shape not in GROUNDED and obj.shape not in ("bird", "cloud"):
            return c
        # A colour the prompt asked for stays recognisable at night ("a yellow car at night").
        return _mix(c, light.tint, light.amount * 0.4) if obj.colour else light.shade(c)

    if not grounded:
        for obj, (cx, cy, r) in zip(free, _layout(len(free), w, h, rng), strict=True):
            scale = obj.scale if len(free) == 1 else min(obj.scale, 1.3)  # keep grid neighbours apart
            if obj.shape == "bird":
                scale *= 0.6
            _draw_object(d, obj.shape, cx, cy, r * scale, colour_of(obj), rng, light)
        return _soften(img) if plan.soft else img
    water = _has(plan, "waves")
    boats = [o for o in grounded if o.shape == "boat" and water]
    land = [o for o in grounded if o not in boats]
    placed: list[tuple[_Object, float, float, float]] = []
    if land and water and plan.ground is None:
        right = w * min(0.7, 0.42 + 0.1 * (len(land) - 1))
        top_y = _shore(d, w, h, right, light.shade((104, 92, 84)))
        placed += _place(land, w * 0.04, right * 0.88, top_y + h * 0.015, h, rng)
        if boats:
            placed += _place(boats, right + w * 0.08, w, h * 0.7, h, rng)
    else:
        band = h * (0.8 if water else 0.72)
        if land:
            _ground(d, w, h, band, light.shade(plan.ground or (85, 155, 70)), rng)
            placed += _place(land, 0, w, band + h * 0.1, h, rng)
        if boats:
            placed += _place(boats, 0, w, h * 0.7, h, rng)
    if _has(plan, "mat"):  # under the subjects, in front of the ground
        mat = next(o for o in plan.scenery if o.shape == "mat")
        mx = placed[0][1] if placed else w / 2
        feet = max(cy + r for _, _, cy, r in placed) if placed else h * 0.85
        c = light.shade(mat.colour or DEFAULT_COLOURS["mat"])
        d.ellipse((mx - w * 0.25, feet - h * 0.05, mx + w * 0.25, feet + h * 0.05), fill=_mix(c, (255, 255, 255), 0.3))
        d.ellipse((mx - w * 0.22, feet - h * 0.04, mx + w * 0.22, feet + h * 0.04), fill=c)
    if free:  # the sky above the subjects
        for obj, (cx, cy, r) in zip(free, _layout(len(free), w, h * 0.42, rng, 0, h * 0.03), strict=True):
            scale = min(obj.scale, 1.3) * (0.55 if obj.shape == "bird" else 0.8)
            _draw_object(d, obj.shape, cx, cy, r * scale, colour_of(obj), rng, light)
    for obj, cx, cy, r in placed:
        if obj.shape == "flower":  # on a stem, the head at the top
            d.line([(cx, cy + r), (cx, cy - r * 0.4)], fill=light.shade((40, 130, 50)), width=max(2, int(r * 0.1)))
            _draw_object(d, "flower", cx, cy - r * 0.45, r * 0.55, colour_of(obj), rng, light)
        else:
            _draw_object(d, obj.shape, cx, cy, r, colour_of(obj), rng, light)
    return _soften(img) if plan.soft else img


def _soften(img: Image.Image) -> Image.Image:
    """'watercolor', 'pastel'…: blur the edges a little and wash the colours towards paper."""
    w = img.size[0]
    img = img.filter(ImageFilter.BoxBlur(max(1, w // 300)))
    return Image.blend(img, Image.new("RGB", img.size, (250, 246, 236)), 0.14)


def _hsv(h: float, s: float, v: float) -> RGB:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def _png(img: Image.Image, prompt: str, seed: int) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "og-devnet procedural image engine (not a diffusion model)")
    info.add_text("Description", prompt[:1000])
    info.add_text("Seed", str(seed))
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info, compress_level=3)  # level 3: ~3x faster than 6, a bit larger
    return buf.getvalue()


def generate_images(prompt: str, *, n: int = 1, size: str = "512x512", seed: int | None = None) -> list[bytes]:
    """Draw `n` PNGs for `prompt`. Image i uses seed + i; no seed → a random one."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise EngineError("The prompt is empty; describe the image (e.g. 'three red circles on a blue background').")
    if len(prompt) > 4000:
        raise EngineError("The prompt is too long (max 4000 characters).")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise EngineError(f"n must be an integer from 1 to {MAX_N}.")
    w, h = parse_size(size)
    base = secrets.randbelow(2**31) if seed is None else int(seed)
    return [_png(_render(prompt, w, h, base + i), prompt, base + i) for i in range(n)]
