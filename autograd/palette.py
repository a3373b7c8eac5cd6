"""One colour code for every picture: classes and signs in orange/blue, gradient size on its own scale.

Every drawing (graphs, network diagrams, matplotlib figures and the explorer
page) takes its colours from here, so a colour means the same thing
everywhere, as in TensorFlow Playground:

- **orange** is class 0 and a negative number (weight, activation, value);
- **blue** is class 1 and a positive number; near zero fades to light grey;
- further classes (multi-class data) use :data:`CLASS_COLOURS` after the first two;
- **gradient magnitude** has its own sequential purple scale (:data:`GRADIENT_RAMP`),
  light for small and dark for large, always drawn with a labelled legend;
- decision lines and thresholds are :data:`LINE` (near-black).

Examples
--------
>>> signed(1.0) == POSITIVE, signed(-1.0) == NEGATIVE, signed(0.0) == ZERO
(True, True, True)
>>> class_colour(0) == NEGATIVE and class_colour(1) == POSITIVE
True
>>> gradient_colour(0.0) == GRADIENT_RAMP[0], gradient_colour(1.0) == GRADIENT_RAMP[-1]
(True, True)
"""

from __future__ import annotations

__all__ = [
    "NEGATIVE",
    "POSITIVE",
    "ZERO",
    "LINE",
    "MUTED",
    "CLASS_COLOURS",
    "GRADIENT_RAMP",
    "class_colour",
    "signed",
    "gradient_colour",
    "as_dict",
]

NEGATIVE = "#f59322"  # orange: class 0, negative weights/activations
POSITIVE = "#0877bd"  # blue: class 1, positive weights/activations
ZERO = "#e8eaeb"  # light grey: zero on the signed scale
LINE = "#222222"  # decision lines, thresholds, probe lines
MUTED = "#9a9a9a"  # text and edges of parts that get no gradient
CLASS_COLOURS = (NEGATIVE, POSITIVE, "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
# light to dark purple: gradient magnitude (never orange or blue, which mean sign)
GRADIENT_RAMP = ("#f3e8ff", "#e9d5ff", "#d8b4fe", "#c084fc", "#a855f7", "#9333ea", "#7e22ce", "#581c87")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(a: str, b: str, t: float) -> str:
    ra, rb = _rgb(a), _rgb(b)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ra, rb))


def class_colour(k: int) -> str:
    """The colour of class ``k`` (0 orange, 1 blue, then further distinct colours, cycling).

    >>> class_colour(2)
    '#2ca02c'
    """
    return CLASS_COLOURS[int(k) % len(CLASS_COLOURS)]


def signed(t: float) -> str:
    """The colour of a signed number ``t`` in [-1, 1]: orange below zero, blue above, grey at zero.

    Values outside [-1, 1] are clipped.

    >>> signed(0.5)
    '#78b0d4'
    """
    t = max(-1.0, min(1.0, float(t)))
    return _mix(ZERO, POSITIVE if t > 0 else NEGATIVE, abs(t))


def gradient_colour(t: float) -> str:
    """The colour of a gradient magnitude ``t`` in [0, 1] (relative to the largest shown).

    >>> gradient_colour(0.5) in GRADIENT_RAMP
    True
    """
    t = max(0.0, min(1.0, float(t)))
    return GRADIENT_RAMP[int(round(t * (len(GRADIENT_RAMP) - 1)))]


def as_dict() -> dict[str, object]:
    """The palette as plain data (for pages and scripts that draw in another language).

    >>> as_dict()["positive"] == POSITIVE
    True
    """
    return {
        "negative": NEGATIVE,
        "positive": POSITIVE,
        "zero": ZERO,
        "line": LINE,
        "muted": MUTED,
        "classes": list(CLASS_COLOURS),
        "gradient": list(GRADIENT_RAMP),
    }
