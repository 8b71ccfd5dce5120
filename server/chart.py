"""The references of a work as a picture, laid out on the server: one row per year
that has references, one square per reference in it, coloured by type, filled for Chinese and
outlined for English; and the same counts as a table for readers who cannot see the picture.
`lodpub.pages.html.chart` draws the shapes as inline SVG, so the picture needs no JavaScript;
every number here is a coordinate in the SVG's viewBox.

Rows rather than columns: the busiest year has a dozen references, which as a column made a
picture taller than a phone's screen, and as a row fits its width.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

# Colour-blind-safe hues dark enough for white text (WCAG contrast >= 4.5:1 on each).
PALETTE = ("#1f5fa8", "#b2182b", "#1b7837", "#7b3294", "#8c510a", "#35978f")
OUTLINE_KEY = "#444444"  # the legend's colour for the language keys
SIZE = 26  # side of a square
STEP = SIZE + 4  # from one square (or row) to the next
LEFT = 64  # room for the year labels
TOP = 22  # room for the count axis
BREAK = 16  # height of the "…" row that stands for years without references
LEGEND_ROW = 22
LEGEND_COLUMN = 210
GUIDE_EVERY = 5


@dataclass(frozen=True)
class Item:
    """One reference: its printed number, the cited work's year, language and type."""

    number: str
    year: int | None
    language: str | None  # BCP 47 primary tag: "zh", "en"
    kind: str  # the type's label in the reader's language
    href: str
    title: str
    title_lang: str | None = None


@dataclass(frozen=True)
class Square:
    x: int
    y: int
    item: Item
    colour: str
    filled: bool


@dataclass(frozen=True)
class Row:
    y: int  # baseline of the row's label
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
class Table:
    """The picture's counts: one row per year (label, count per column, total)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...], int], ...]
    totals: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bottom: int  # where the rows end
    squares: tuple[Square, ...]
    rows: tuple[Row, ...]
    legend: tuple[Key, ...]
    guides: tuple[tuple[int, int], ...]  # (x, count) of the vertical guides
    summary: str
    table: Table


def layout(items: list[Item], language_names: dict[str, str], unknown_year: str) -> Chart:
    """Coordinates for `items`: a row per year that has references, oldest first; a run of
    years without any becomes one short row marked "…" (so the timeline stays honest); then
    a row for unknown years if any. Within a row, squares go by type, then by number."""
    kinds = sorted(Counter(i.kind for i in items).items(), key=lambda kv: (-kv[1], kv[0]))
    colours = {kind: PALETTE[n % len(PALETTE)] for n, (kind, _) in enumerate(kinds)}
    languages = sorted(Counter(i.language or "" for i in items).items())
    years = sorted({i.year for i in items if i.year is not None})
    keys: list[int | None] = [*years, *([None] if any(i.year is None for i in items) else [])]
    rows, y_of = _rows(keys, unknown_year)
    squares = _squares(items, kinds, colours, y_of)
    bottom = rows[-1].y + STEP // 2 if rows else TOP
    widest = max(Counter(i.year for i in items).values(), default=1)
    legend = _legend(kinds, languages, colours, language_names, bottom + 18)
    height = max((k.y for k in legend), default=bottom) + LEGEND_ROW + 4
    return Chart(
        width=max(LEFT + widest * STEP + 12, 2 * LEGEND_COLUMN + 12),
        height=height,
        bottom=bottom,
        squares=squares,
        rows=rows,
        legend=legend,
        guides=tuple((LEFT + n * STEP - 2, n) for n in range(0, widest + 1, GUIDE_EVERY)),
        summary=_summary(items, kinds, languages, language_names, years),
        table=_table(items, keys, kinds, languages, language_names, unknown_year),
    )


def _rows(
    keys: list[int | None], unknown_year: str
) -> tuple[tuple[Row, ...], dict[int | None, int]]:
    rows: list[Row] = []
    y_of: dict[int | None, int] = {}
    y = TOP
    for n, year in enumerate(keys):
        previous = keys[n - 1] if n else None
        if year is not None and previous is not None and year - previous > 1:
            rows.append(Row(y + BREAK // 2, "…", is_break=True))
            y += BREAK
        y_of[year] = y
        rows.append(Row(y + SIZE // 2 + 5, unknown_year if year is None else str(year)))
        y += STEP
    return tuple(rows), y_of


def _squares(
    items: list[Item], kinds: list[tuple[str, int]], colours: dict[str, str], y_of: dict
) -> tuple[Square, ...]:
    order = [kind for kind, _ in kinds]
    placed: Counter[int | None] = Counter()
    squares = []
    for item in sorted(items, key=lambda i: (order.index(i.kind), _number(i.number))):
        squares.append(
            Square(
                x=LEFT + placed[item.year] * STEP,
                y=y_of[item.year],
                item=item,
                colour=colours[item.kind],
                filled=item.language != "en",
            )
        )
        placed[item.year] += 1
    return tuple(squares)


def _legend(kinds, languages, colours, language_names, top: int) -> tuple[Key, ...]:
    """Two columns: the types (coloured squares), then the languages (filled or outlined)."""
    keys = [
        Key(8, top + n * LEGEND_ROW, f"{kind} ({count})", colours[kind], True)
        for n, (kind, count) in enumerate(kinds)
    ]
    keys += [
        Key(
            8 + LEGEND_COLUMN,
            top + n * LEGEND_ROW,
            f"{language_names.get(code, code or '?')} ({count})",
            OUTLINE_KEY,
            code != "en",
        )
        for n, (code, count) in enumerate(languages)
    ]
    return tuple(keys)


def _table(items, keys, kinds, languages, language_names, unknown_year) -> Table:
    """Per year: how many references of each type and in each language."""
    columns = [kind for kind, _ in kinds] + [
        language_names.get(code, code or "?") for code, _ in languages
    ]

    def counts(year: int | None) -> tuple[int, ...]:
        here = [i for i in items if i.year == year]
        by_kind = [sum(i.kind == kind for i in here) for kind, _ in kinds]
        by_language = [sum((i.language or "") == code for i in here) for code, _ in languages]
        return tuple(by_kind + by_language)

    rows = []
    for year in keys:
        values = counts(year)
        rows.append(
            (unknown_year if year is None else str(year), values, sum(values[: len(kinds)]))
        )
    return Table(
        columns=tuple(columns),
        rows=tuple(rows),
        totals=tuple(count for _, count in kinds) + tuple(count for _, count in languages),
        total=len(items),
    )


def _summary(items, kinds, languages, language_names, years) -> str:
    """The chart in one sentence, for screen readers and for anyone who prefers text."""
    by_kind = ", ".join(f"{count} {kind}" for kind, count in kinds)
    by_language = ", ".join(
        f"{count} {language_names.get(code, code or '?')}" for code, count in languages
    )
    span = f"{years[0]}–{years[-1]}" if years else ""
    return f"{len(items)}: {by_kind}; {by_language}; {span}".rstrip("; ")


def _number(text: str) -> tuple[int, str]:
    return (int(text) if text.isdigit() else 10**9, text)
