"""Population frames: published physician counts turned into weighting targets per country.

The published rows are shipped unchanged under ``sampling/data/`` (copied from Pulse's
``population/`` folder; ``data/SOURCES.md`` gives every URL). :func:`frame` picks, per
country and variable, the rows used as a margin (table ``_PICKS`` below) and writes them in the
tidy *frame format* that users may also supply from a file of their own (:func:`load_frame`):

    country, variable, level, count, share, source, year, definition

one of count/share per row. Respondent variables are Pulse's: ``specialty`` (canonical code from
:mod:`sampling.taxonomy`), ``sex`` ('female'/'male'), ``age_band`` (:data:`AGE_BANDS`) and
``years_in_practice_band`` (no source publishes it, so it is always missing). Where a source is
coarser than Pulse's coding, the frame's levels are coarser too and :class:`Targets` carries the
collapsing map (``targets.recode_specialty(series)``); the weighting methods apply it themselves
when given a :class:`Targets`.

Example:
    >>> t = targets("Canada")
    >>> sorted(t["specialty"])
    ['general_practice', 'specialist']
    >>> t.recode_specialty(pd.Series(["cardiology", "family_medicine"])).tolist()
    ['specialist', 'general_practice']
    >>> t.missing
    ('age_band',)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sampling.codes import AGE_BANDS, AGE_BANDS_55, COUNTRIES, SEXES
from sampling.schemes import DATA_DIR as DATA_DIR
from sampling.schemes import collapse_age_band as collapse_age_band
from sampling.schemes import recode, scheme_for
from sampling.schemes import specialty_schemes as specialty_schemes

FRAME_COLUMNS = ("country", "variable", "level", "count", "share", "source", "year", "definition")
VARIABLES = ("specialty", "sex", "age_band", "years_in_practice_band")


_ALIASES = {
    "USA": "US",
    "UNITED STATES OF AMERICA": "US",
    "GB": "UK",
    "GREAT BRITAIN": "UK",
    "ESPAÑA": "ES",
    "ESPANA": "ES",
}


def country_code(country: str) -> str:
    """Pulse's code for a country given by code or full name (case-insensitive).

    Raises:
        ValueError: an unknown country, listing the accepted codes.
    """
    key = str(country).strip().upper()
    if key in COUNTRIES:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    for code, known in COUNTRIES.items():
        if any(name.upper() == key for _, name in known.names):
            return code
    raise ValueError(f"unknown country {country!r}: use one of {', '.join(COUNTRIES)} or their names")


@dataclass(frozen=True)
class Margin:
    """One margin of a frame: target shares per level and where they come from."""

    variable: str
    shares: dict[str, float]
    counts: dict[str, float] | None
    source: str
    year: str
    definition: str
    scheme: str | None = None
    collapse_map: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets(Mapping[str, dict[str, float]]):
    """A country's weighting targets: behaves as ``{variable: {level: share}}``.

    Attributes:
        country: Pulse's country code.
        margins: each available margin with its source, year and definition.
        missing: requested variables no source publishes for this country.
        total: the country's physician count for pooling (None if the frame has none).
    """

    country: str
    margins: dict[str, Margin]
    missing: tuple[str, ...]
    total: float | None = None

    def __getitem__(self, variable: str) -> dict[str, float]:
        try:
            return self.margins[variable].shares
        except KeyError:
            raise KeyError(
                f"{self.country} has no {variable!r} margin; available: {', '.join(self.margins)}; "
                f"missing: {', '.join(self.missing)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.margins)

    def __len__(self) -> int:
        return len(self.margins)

    def collapse_maps(self) -> dict[str, dict[str, str]]:
        """Maps from Pulse's coding to the frame's levels, per variable (only coarser margins)."""
        return {v: dict(m.collapse_map) for v, m in self.margins.items() if m.collapse_map}

    def recode_specialty(self, series: pd.Series) -> pd.Series:
        """Canonical specialty codes recoded to this frame's specialty levels (idempotent)."""
        return self._recode_variable(series, "specialty")

    def recode_age_band(self, series: pd.Series) -> pd.Series:
        """Pulse's age bands recoded to this frame's age bands (idempotent)."""
        return self._recode_variable(series, "age_band")

    def recode(self, sample: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``sample`` with every margin column recoded to the frame's levels."""
        out = sample.copy()
        for variable in self.collapse_maps():
            if variable in out.columns:
                out[variable] = self._recode_variable(out[variable], variable)
        return out

    def _recode_variable(self, series: pd.Series, variable: str) -> pd.Series:
        margin = self.margins.get(variable)
        if margin is None:
            raise KeyError(f"{self.country} has no {variable!r} margin to recode to")
        return recode(series, margin.collapse_map, variable) if margin.collapse_map else series.copy()

    def sources(self) -> pd.DataFrame:
        """One row per margin: variable, levels, source, year, definition (for methods notes)."""
        return pd.DataFrame(
            [(v, len(m.shares), m.source, m.year, m.definition) for v, m in self.margins.items()],
            columns=["variable", "levels", "source", "year", "definition"],
        )


@lru_cache(maxsize=1)
def published_rows() -> pd.DataFrame:
    """Every shipped published row, with its file, source, year and the source's definition."""
    definitions = pd.read_csv(DATA_DIR / "sources.csv", dtype=str)
    parts = []
    for path in sorted(DATA_DIR.glob("*.csv")):
        if path.name in ("sources.csv", "specialty_schemes.csv", "picks.csv"):
            continue
        rows = pd.read_csv(path, dtype={"year": str})
        rows.insert(0, "file", path.name)
        parts.append(rows)
    rows = pd.concat(parts, ignore_index=True)
    return rows.merge(definitions, on="source", how="left", validate="many_to_one")


def _pick(rows: pd.DataFrame, file: str, source: str, year: str, category: str) -> pd.Series:
    hit = rows[
        (rows["file"] == file)
        & (rows["source"] == source)
        & (rows["year"] == year)
        & (rows["category"] == category)
    ]
    if len(hit) != 1:
        raise RuntimeError(
            f"shipped data changed: {len(hit)} rows for {source} {year} {category!r} in {file}"
        )
    return hit.iloc[0]


@lru_cache(maxsize=1)
def _shipped_frame() -> pd.DataFrame:
    """Apply ``data/picks.csv``: which published row becomes which level of which margin."""
    rows = published_rows()
    picks = pd.read_csv(DATA_DIR / "picks.csv", dtype=str, keep_default_na=False)
    out: list[dict[str, Any]] = []
    for (country, variable, file, source, year), group in picks.groupby(
        ["country", "variable", "file", "source", "year"], sort=False
    ):
        unit = "share" if file == "shares.csv" else "count"
        values: dict[str, float] = {}
        described: list[str] = []
        source_definition = ""
        for pick in group[group["role"] != "complement"].itertuples():
            if variable == "total" and not pick.category:
                continue
            row = _pick(rows, str(file), str(source), str(year), str(pick.category))
            values[str(pick.level)] = values.get(str(pick.level), 0.0) + float(row[unit])
            described.append(f"{pick.category!r} → {pick.level!r}")
            source_definition = row["definition"]
        for pick in group[group["role"] == "complement"].itertuples():
            category = str(pick.category)
            whole = (
                1.0
                if unit == "share"
                else float(_pick(rows, str(file), str(source), str(year), category)[unit])
            )
            values[str(pick.level)] = whole - sum(values.values())
            described.append(
                f"{pick.level!r} = {'1' if unit == 'share' else repr(pick.category)} minus the rest"
            )
        note = group["note"].iloc[0]
        if variable == "total":
            if not values:  # the US: a sum of the specialty margin's rows
                values["physicians"] = sum(
                    r["count"] for r in out if r["country"] == country and r["variable"] == "specialty"
                )
                definition = note
            else:
                definition = f"{source_definition}: {group['category'].iloc[0]}. {note}".strip()
        else:
            definition = f"{source_definition}. Levels: {'; '.join(described)}." + (
                f" {note}" if note else ""
            )
        for level, value in values.items():
            out.append(
                {
                    "country": country,
                    "variable": variable,
                    "level": level,
                    "count": value if unit == "count" else None,
                    "share": value if unit == "share" else None,
                    "source": source,
                    "year": year,
                    "definition": definition,
                }
            )
    return pd.DataFrame(out, columns=list(FRAME_COLUMNS))


def frame() -> pd.DataFrame:
    """The shipped frame in the tidy frame format (one row per country, variable and level).

    Returns:
        DataFrame with :data:`FRAME_COLUMNS`; variable "total" rows hold each country's
        physician count used for pooling.

    Example:
        >>> frame().query("country == 'ES' and variable == 'sex'")["count"].tolist()
        [124602.0, 123356.0]

    Reference: ``data/SOURCES.md``.
    """
    return _shipped_frame().copy()


def load_frame(path: str | Path) -> pd.DataFrame:
    """Read and check a user's frame file (CSV in the tidy frame format).

    Args:
        path: a CSV file with columns country, variable, level, count and/or share, source, year,
            definition; one of count or share on each row.

    Returns:
        The frame, checked, with country names turned into codes.

    Raises:
        ValueError: naming the file line and the problem (unknown country or level, both or
            neither of count/share, a negative count, duplicated level, shares not summing to 1).

    Example:
        >>> load_frame("my_frame.csv")  # doctest: +SKIP

    Reference: the tidy long format of ``population/*.csv``.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_frame(table, origin=str(path))


def validate_frame(table: pd.DataFrame, origin: str = "frame") -> pd.DataFrame:
    """Check a frame table; errors name the line (the header is line 1) and how to fix it.

    Args:
        table: rows in the frame format (strings or numbers).
        origin: the file name used in messages.

    Returns:
        The checked frame with numeric count/share and country codes.

    Raises:
        ValueError: as :func:`load_frame`.
    """
    missing = [
        c for c in ("country", "variable", "level", "source", "year", "definition") if c not in table.columns
    ]
    if missing or not ({"count", "share"} & set(table.columns)):
        raise ValueError(
            f"{origin}: missing column(s) {missing or ['count or share']}; a frame needs "
            f"{', '.join(FRAME_COLUMNS)} (one of count/share per row)"
        )
    out = pd.DataFrame({c: table[c] if c in table.columns else "" for c in FRAME_COLUMNS}).astype(object)
    seen: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(out.itertuples(index=False)):
        line = i + 2
        where = f"{origin}, line {line}"
        try:
            code = country_code(str(row.country))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        for column in ("variable", "level", "source", "year", "definition"):
            if _blank(getattr(row, column)):
                raise ValueError(f"{where}: {column} is empty; every row needs one")
        count, share = _number(row.count, "count", where), _number(row.share, "share", where)
        if (count is None) == (share is None):
            raise ValueError(
                f"{where}: give exactly one of count and share (got {'both' if count is not None else 'neither'})"
            )
        if count is not None and count < 0:
            raise ValueError(f"{where}: count {count} is negative")
        if share is not None and not 0 <= share <= 1:
            raise ValueError(
                f"{where}: share {share} is not a proportion between 0 and 1 (write 37% as 0.37)"
            )
        variable, level = str(row.variable), str(row.level)
        if variable == "total" and share is not None:
            raise ValueError(f"{where}: a total must be a count")
        if variable == "sex" and level not in SEXES:
            raise ValueError(f"{where}: sex level {level!r} must be 'female' or 'male'")
        if variable in ("specialty", "age_band") and scheme_for(variable, {level})[0] == "":
            hint = (
                (
                    "a canonical code (sampling.taxonomy), a taxonomy group, 'general_practice'/'specialist'/'other' "
                    "or a level of data/specialty_schemes.csv"
                )
                if variable == "specialty"
                else f"one of Pulse's bands {AGE_BANDS} or {AGE_BANDS_55}"
            )
            raise ValueError(f"{where}: {variable} level {level!r} is not {hint}")
        key = (code, variable, level)
        if key in seen:
            raise ValueError(
                f"{where}: {variable}={level!r} for {code} repeats line {seen[key]}; keep one row"
            )
        seen[key] = line
        out.iat[i, 0], out.iat[i, 3], out.iat[i, 4] = code, count, share
    out["count"], out["share"] = out["count"].astype(float), out["share"].astype(float)
    for (country, margin), part in out.groupby(["country", "variable"], sort=False):
        code, variable = str(country), str(margin)
        first = int(part.index[0]) + 2
        if part["count"].notna().any() and part["share"].notna().any():
            raise ValueError(
                f"{origin}, line {first}: {variable} for {code} mixes counts and shares; use one"
            )
        if variable != "total" and part["share"].notna().all() and abs(part["share"].sum() - 1) > 0.01:
            raise ValueError(
                f"{origin}, line {first}: {variable} shares for {code} sum to {part['share'].sum():.4g}, "
                "not 1: give every level"
            )
        if variable == "total" and len(part) > 1:
            raise ValueError(f"{origin}, line {int(part.index[1]) + 2}: a second total for {code}; keep one")
        if variable in ("specialty", "age_band") and scheme_for(variable, set(part["level"]))[0] == "":
            raise ValueError(
                f"{origin}, line {first}: {variable} levels for {code} mix codings "
                "(for example canonical codes with coarse groups); use one coding per margin"
            )
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _number(value: Any, name: str, where: str) -> float | None:
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {name} {value!r} is not a number") from None
    if not pd.notna(number) or number in (float("inf"), float("-inf")):
        raise ValueError(f"{where}: {name} {value!r} is not a finite number")
    return number


def targets(
    country: str,
    variables: tuple[str, ...] | list[str] = ("specialty", "sex", "age_band"),
    *,
    frame_table: pd.DataFrame | None = None,
) -> Targets:
    """A country's weighting targets from the shipped frame (or a user's frame table).

    Args:
        country: code (US, UK, CA, AU, IE, NZ, ZA, MX, ES) or full name.
        variables: margins wanted; those with no source go to ``Targets.missing``.
        frame_table: a frame from :func:`load_frame`; the shipped frame by default.

    Returns:
        A frozen :class:`Targets` that behaves as ``{variable: {level: share}}``.

    Raises:
        ValueError: unknown country or variable.

    Example:
        >>> t = targets("AU", ["sex", "age_band"])
        >>> round(t["sex"]["female"], 3), t.margins["sex"].source
        (0.472, 'AU-MBA-2024-25')

    Reference: AAPOR disclosure of weighting targets and their sources (STATS.md).
    """
    code = country_code(country)
    if isinstance(variables, str):
        variables = (variables,)
    unknown = [v for v in variables if v == "total"]
    if unknown:
        raise ValueError("'total' is not a margin: use country_totals() for pooling")
    table = _shipped_frame() if frame_table is None else frame_table
    rows = table[table["country"] == code]
    margins: dict[str, Margin] = {}
    missing: list[str] = []
    for variable in variables:
        part = rows[rows["variable"] == variable]
        if part.empty:
            missing.append(variable)
            continue
        counts = part["count"].astype(float)
        has_counts = counts.notna().all()
        values = counts if has_counts else part["share"].astype(float)
        levels = [str(v) for v in part["level"]]
        shares = dict(zip(levels, (values / values.sum()).tolist()))
        scheme, mapping = scheme_for(variable, set(levels))
        identity = scheme in ("canonical", "pulse", None, "")
        margins[variable] = Margin(
            variable=variable,
            shares=shares,
            counts=dict(zip(levels, counts.tolist())) if has_counts else None,
            source="; ".join(dict.fromkeys(part["source"].astype(str))),
            year="; ".join(dict.fromkeys(part["year"].astype(str))),
            definition=" | ".join(dict.fromkeys(part["definition"].astype(str))),
            scheme=scheme or None,
            collapse_map={} if identity else dict(mapping),
        )
    total_rows = rows[rows["variable"] == "total"]
    total = float(total_rows["count"].astype(float).iloc[0]) if len(total_rows) else None
    return Targets(country=code, margins=margins, missing=tuple(missing), total=total)


def country_totals(
    frame_table: pd.DataFrame | None = None, *, detail: bool = False
) -> pd.Series | pd.DataFrame:
    """Physician count per country, for pooling countries by population share.

    The row used per country (the "total" rows of ``data/picks.csv``): US the sum of the AAMC
    2022 report's 48 specialties (2021; the exact total is not recorded); UK GMC licensed doctors
    2023; CA CIHI 2020 (secondary); AU MBA registered practitioners 2024/25; IE doctors on the
    register 2019; NZ MCNZ workforce 2022; ZA HASA practising estimate 2010; MX INEGI/OECD active
    doctors 2023 (rounded); ES INE colegiados 2024.

    Args:
        frame_table: a user's frame; the shipped frame by default.
        detail: return a DataFrame with count, source, year and definition instead.

    Returns:
        Series of counts indexed by country code (or the detailed DataFrame).

    Example:
        >>> int(country_totals()["NZ"])
        18708

    Reference: OECD "physicians" head counts are not in the stored sources (SOURCES.md).
    """
    table = _shipped_frame() if frame_table is None else frame_table
    rows = table[table["variable"] == "total"].drop_duplicates("country").set_index("country")
    if detail:
        return rows[["count", "source", "year", "definition"]].astype({"count": float})
    return rows["count"].astype(float).rename("physicians")
