"""Small, dependency-free helpers for writing SVG/HTML text: escaping, number and count formatting.

Every renderer builds a list of string fragments and joins it once; these helpers keep that code short
and make the output byte-for-byte deterministic (fixed number formats, no dict-order surprises).
"""
from __future__ import annotations

import re
from html import escape
from typing import Any

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
MONO_FAMILY = "ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: object) -> str:
    """Escape text for XML/HTML content and attribute values (``<&>"'``); drop characters XML forbids."""
    return escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def num(value: float) -> str:
    """Format a coordinate: integers without a decimal point, everything else with one decimal."""
    r = round(value, 1)
    if r == int(r):
        return str(int(r))
    return f"{r:.1f}"


def count(n: int | float | None) -> str:
    """A record count that fits a narrow column: 987, 9,876, 98.8k, 1.23M."""
    if n is None:
        return "–"
    n = int(n)
    a = abs(n)
    if a < 10_000:
        return f"{n:,}"
    if a < 1_000_000:
        return f"{n / 1000:.1f}k"
    if a < 1_000_000_000:
        return f"{n / 1_000_000:.2f}M"
    return f"{n / 1_000_000_000:.2f}G"


def ms(value: float | int | None) -> str:
    """Virtual milliseconds with up to three decimals (microsecond resolution): 0, 12.5, 123.457."""
    if value is None:
        return "0"
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


_NARROW = frozenset("il.,:;|!'()[]/ ")
_WIDE = frozenset("mwMW@%")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in px, on the generous side (no font metrics at hand)."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.34
        elif ch in _WIDE:
            em += 0.9
        elif ch.isupper() or ch.isdigit():
            em += 0.7
        else:
            em += 0.6
    return em * size * (1.08 if bold else 1.0)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def wrap(text: str, width_chars: int, max_lines: int = 3, separator: str = " → ") -> list[str]:
    """Wrap an operator chain name into lines, preferring breaks after ``separator``, then at spaces."""
    width_chars = max(4, width_chars)
    parts = text.split(separator)
    lines: list[str] = []
    line = ""

    def add(piece: str) -> None:
        nonlocal line
        candidate = f"{line} {piece}" if line else piece
        if len(candidate) <= width_chars or not line:
            line = candidate
        else:
            lines.append(line)
            line = piece

    for i, part in enumerate(parts):
        token = part + (" " + separator.strip() if i < len(parts) - 1 else "")
        if len(f"{line} {token}" if line else token) <= width_chars or len(token) > width_chars:
            for word in _split_long(token, width_chars):
                add(word)
        else:
            if line:
                lines.append(line)
            line = token
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width_chars - 1] + "…"
    return lines or [""]


def _split_long(token: str, width_chars: int) -> list[str]:
    """Split a token at spaces; break words longer than a line at punctuation or camelCase, else hard."""
    out: list[str] = []
    for word in token.split(" "):
        while len(word) > width_chars:
            head = word[: width_chars + 1]
            before = [i for i in range(1, len(head))  # break before "(" or a camelCase hump
                      if head[i] == "(" or (head[i - 1].islower() and head[i].isupper())]
            after = [i + 1 for i, c in enumerate(word[:width_chars]) if c in ",/._-"]
            cut = max(before + after, default=0)
            if cut <= width_chars // 3:
                out.append(word[: width_chars - 1] + "-")
                word = word[width_chars - 1:]
            else:
                out.append(word[:cut])
                word = word[cut:]
        if word:
            out.append(word)
    return out


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as an SVG string: deterministic ids, no date metadata, text kept as text."""
    import io

    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "flowlab", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]
