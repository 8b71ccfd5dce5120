"""The references of a work as a picture, laid out on the server (issue #4): one square per
reference, stacked in the column of its year, coloured by type, filled for Chinese and
outlined for English. The template draws the shapes as inline SVG, so the picture needs no
JavaScript; every number here is a coordinate in the SVG's viewBox.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

# Colour-blind-safe hues dark enough for white text (WCAG contrast >= 4.5:1 on each).
PALETTE = ("#1f5fa8", "#b2182b", "#1b7837", "#7b3294", "#8c510a", "#35978f")
SIZE = 26  # side of a square
GAP = 4
COLUMN = SIZE + 10
LEFT = 40
TOP = 16
LEGEND_ROW = 22
BREAK = 18  # width of the "…" that stands for years without references


@dataclass(frozen=True)
class Item:
    """One reference: its printed number, the cited work's year, language and type."""

    number: str
    year: int | None
    language: str | None  # BCP 47 primary tag: "zh", "en"
    kind: str  # the type's label in the reader's language
    href: str
    title: str


@dataclass(frozen=True)
class Square:
    x: int
    y: int
    item: Item
    colour: str
    filled: bool


@dataclass(frozen=True)
class Tick:
    x: int
    label: str
    is_break: bool = False  # stands for a run of years without references


@dataclass(frozen=True)
class Key:
    x: int
    y: int
    label: str
    colour: str
    filled: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    squares: tuple[Square, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[Key, ...]
    gridlines: tuple[tuple[int, int], ...]  # (y, count) of the horizontal guides
    summary: str


def layout(items: list[Item], language_names: dict[str, str], unknown_year: str) -> Chart:
    """Coordinates for `items`: a column per year that has references, in order; a run of
    years without any becomes one narrow break marked "…" (so the timeline stays honest and
    the picture fits a phone); then a column for unknown years if any."""
    years = sorted({i.year for i in items if i.year is not None})
    kinds = sorted(Counter(i.kind for i in items).items(), key=lambda kv: (-kv[1], kv[0]))
    colours = {kind: PALETTE[n % len(PALETTE)] for n, (kind, _) in enumerate(kinds)}
    per_column = Counter(i.year for i in items)
    tallest = max(per_column.values(), default=1)
    baseline = TOP + tallest * (SIZE + GAP)

    x_of: dict[int | None, int] = {}
    ticks = []
    x = LEFT
    for n, year in enumerate(years):
        if n and year - years[n - 1] > 1:
            ticks.append(Tick(x + BREAK // 2 - 4, "…", is_break=True))
            x += BREAK
        x_of[year] = x
        ticks.append(Tick(x + SIZE // 2, str(year)))
        x += COLUMN
    if None in per_column:
        x_of[None] = x
        ticks.append(Tick(x + SIZE // 2, unknown_year))
        x += COLUMN

    squares = []
    stacked: Counter[int | None] = Counter()
    for item in sorted(items, key=lambda i: (_order(i.kind, kinds), _number(i.number))):
        level = stacked[item.year]
        stacked[item.year] += 1
        squares.append(
            Square(
                x=x_of[item.year],
                y=baseline - (level + 1) * (SIZE + GAP),
                item=item,
                colour=colours[item.kind],
                filled=item.language != "en",
            )
        )
    # One legend column: the types, then the languages (filled or outlined squares).
    languages = sorted(Counter(i.language or "" for i in items).items())
    keys = [(f"{kind} ({count})", colours[kind], True) for kind, count in kinds]
    keys += [
        (f"{language_names.get(code, code or '?')} ({count})", "#444444", code != "en")
        for code, count in languages
    ]
    legend_top = baseline + 48
    legend = tuple(
        Key(LEFT, legend_top + n * LEGEND_ROW, label, colour, filled)
        for n, (label, colour, filled) in enumerate(keys)
    )
    guides = tuple((baseline - level * (SIZE + GAP), level) for level in range(0, tallest + 1, 5))
    return Chart(
        width=max(x + 10, LEFT + 220),
        height=legend_top + len(keys) * LEGEND_ROW + 8,
        baseline=baseline,
        squares=tuple(squares),
        ticks=tuple(ticks),
        legend=legend,
        gridlines=guides,
        summary=_summary(items, kinds, languages, language_names, years),
    )


def _summary(items, kinds, languages, language_names, years) -> str:
    """The chart in one sentence, for screen readers and for anyone who prefers text."""
    by_kind = ", ".join(f"{count} {kind}" for kind, count in kinds)
    by_language = ", ".join(
        f"{count} {language_names.get(code, code or '?')}" for code, count in languages
    )
    span = f"{years[0]}–{years[-1]}" if years else ""
    return f"{len(items)}: {by_kind}; {by_language}; {span}".rstrip("; ")


def _order(kind: str, kinds: list[tuple[str, int]]) -> int:
    return [k for k, _ in kinds].index(kind)


def _number(text: str) -> tuple[int, str]:
    return (int(text) if text.isdigit() else 10**9, text)
