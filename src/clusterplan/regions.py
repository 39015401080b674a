"""The one region resolver and benchmark chooser, used by the CLI, the web app and the library alike.

What a user types as a region (``TLG3``, ``UKG3``, ``West Midlands``, ``WMCA``,
``19820``, ``Detroit-Warren-Dearborn, MI``, ``Detroit``, ``TLF,TLG``,
``Midlands``) becomes a :class:`Region`: a canonical code, a name and the
dataset areas it is made of. A region of several areas is analysed as one area
against the rest of the benchmark. Unknown, misspelt or ambiguous input raises
:class:`~clusterplan._exceptions.UnknownCodeError` with "did you mean"
candidates.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ._data import data_dir, dataset_path
from ._exceptions import ParameterError, UnknownCodeError

__all__ = [
    "AREA_LEVELS",
    "BENCHMARK_NATIONAL",
    "CBSA_TYPES",
    "DEFAULT_PEERS",
    "GREAT_BRITAIN",
    "REGION_GROUPS_VARIABLE",
    "UNITED_KINGDOM",
    "Gazetteer",
    "Region",
    "benchmark_keyword",
    "cbsa_types",
    "choose_benchmark",
    "contiguous_cbsas",
    "load_region_groups",
    "nuts2016_to_itl2021",
    "package_places",
    "region_groups",
    "resolve_area_code",
    "resolve_region",
]

#: GSS code of the United Kingdom.
UNITED_KINGDOM = "K02000001"
#: GSS code of Great Britain (England, Wales and Scotland), the BRES universe.
GREAT_BRITAIN = "K03000001"
#: Levels of the UK areas, coarsest first.
AREA_LEVELS = ("country_group", "country", "itl1", "itl2", "itl3", "combined_authority", "lad")
#: Benchmark keywords meaning "every area of the dataset".
BENCHMARK_NATIONAL = ("national", "gb", "us", "all", "k03000001")
#: Peers chosen by default: the areas closest to the region in total employment.
DEFAULT_PEERS = 8
#: Benchmark keywords restricting US benchmarks to one kind of CBSA.
CBSA_TYPES = {"metro": "metropolitan", "micro": "micropolitan"}

# Codes that are not GSS or ITL codes but occur in published tables: the ONS GVA tables
# label the United Kingdom "UK" and England "TLB".
_CODE_ALIASES = {"UK": UNITED_KINGDOM, "GB": GREAT_BRITAIN, "TLB": "E92000001"}
_NUTS = re.compile(r"^UK[C-N][0-9A-Z]{0,3}$")
_PLACE_COLUMNS = ["area_code", "area_name", "area_level", "parent_code", "geography", "alt_code"]
_REGION_GROUPS_FILE = "region_groups.yaml"
#: Environment variable naming a YAML file of the user's own named regions (``clusterplan run --region-groups``).
REGION_GROUPS_VARIABLE = "CLUSTERPLAN_REGION_GROUPS"
# Levels of areas that can be made of dataset areas (suggested in "did you mean"; districts are not).
_CONTAINER_LEVELS = ("country_group", "country", "itl1", "combined_authority", "csa")


def nuts2016_to_itl2021(code: str) -> str:
    """``UKG3`` -> ``TLG3``; any other code is returned unchanged.

    ITL 2021 kept the NUTS 2016 areas and codes with the prefix ``UK`` replaced by ``TL``.

    >>> nuts2016_to_itl2021("UKG3")
    'TLG3'
    """
    return "TL" + code[2:] if _NUTS.match(code) else code


def _norm(text: str) -> str:
    """Text reduced for matching names: case, ``&``, punctuation and spacing ignored."""
    text = str(text).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# -- package data ---------------------------------------------------------------------------------------------


@cache
def _read(name: str) -> pd.DataFrame:
    return pd.read_parquet(dataset_path(name))


@cache
def package_places() -> pd.DataFrame:
    """Every area the package knows: UK areas at all levels and US CBSAs (with their titles when shipped)."""
    frames = [_read("areas_uk")]
    frames.append(_read("areas_us_cbsa"))
    out = pd.concat([f[_PLACE_COLUMNS] for f in frames], ignore_index=True)
    return out.drop_duplicates("area_code", keep="first").reset_index(drop=True)


@cache
def cbsa_types() -> dict[str, str]:
    """CBSA code -> ``metropolitan`` or ``micropolitan`` (April 2018 delineation).

    >>> cbsa_types()["19820"]
    'metropolitan'
    """
    table = _read("cbsa_delineation")
    return dict(zip(table["cbsa_code"].astype(str), table["cbsa_type"].astype(str), strict=True))


@cache
def contiguous_cbsas() -> frozenset[str]:
    """CBSAs of the contiguous United States: none of their counties in Alaska, Hawaii or Puerto Rico.

    US maps show these (the others would shrink the mainland to a corner of the map).

    >>> "19820" in contiguous_cbsas(), "46520" in contiguous_cbsas()  # Detroit, Urban Honolulu
    (True, False)
    """
    counties = _read("cbsa_counties")
    outside = set(counties.loc[counties["county_fips"].str[:2].isin(("02", "15", "72")), "cbsa_code"])
    return frozenset(set(counties["cbsa_code"].astype(str)) - outside)


@cache
def _uk_territories() -> dict[str, frozenset[str]]:
    """UK area code -> the local authority districts (May 2023) it covers."""
    lookup = _read("lad_itl_lookup")
    out: dict[str, set[str]] = {}
    for lad, itl3, itl2, itl1 in zip(
        lookup["lad_code"], lookup["itl3_code"], lookup["itl2_code"], lookup["itl1_code"], strict=True
    ):
        for code in (lad, itl3, itl2, itl1, UNITED_KINGDOM, f"{lad[0]}92000001" if lad[0] == "E" else None):
            if code:
                out.setdefault(code, set()).add(lad)
        if lad[0] != "N":
            out.setdefault(GREAT_BRITAIN, set()).add(lad)
    countries = {"W": "W92000004", "S": "S92000003", "N": "N92000002"}
    for lad in lookup["lad_code"]:
        if lad[0] in countries:
            out.setdefault(countries[lad[0]], set()).add(lad)
    members = _read("lad_combined_authority")
    for lad, authority in zip(members["lad_code"], members["combined_authority_code"], strict=True):
        out.setdefault(authority, set()).add(lad)
    return {k: frozenset(v) for k, v in out.items()}


def region_groups() -> dict[str, dict[str, Any]]:
    """The package's named regions, plus the user's file named by ``CLUSTERPLAN_REGION_GROUPS`` (theirs win)."""
    groups = load_region_groups()
    extra = os.environ.get(REGION_GROUPS_VARIABLE)
    if extra:
        groups.update(load_region_groups(extra))
    return groups


def load_region_groups(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Named regions from a small YAML file: aliases of one area and groups of several.

    The file maps names to an area code or a list of codes::

        aliases:
          WMCA: E47000007        # West Midlands Combined Authority
        groups:
          Midlands: [TLF, TLG]   # East Midlands and West Midlands

    Without *path*, the package's own file (well-known combined authority
    abbreviations and multi-region groups).

    Returns
    -------
    dict
        Normalised name -> ``{"name", "codes", "kind", "note"}``.

    Examples
    --------
    >>> load_region_groups()["wmca"]["codes"]
    ['E47000007']
    """
    source = Path(path) if path is not None else data_dir() / _REGION_GROUPS_FILE
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ParameterError(f"cannot read region groups file {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"region groups file {source} is not valid YAML: {exc}") from None
    if not isinstance(document, dict) or set(document) - {"aliases", "groups", "notes"}:
        raise ParameterError(f"region groups file {source} must have top-level keys 'aliases' and/or 'groups'")
    out: dict[str, dict[str, Any]] = {}
    for kind in ("aliases", "groups"):
        for name, value in (document.get(kind) or {}).items():
            codes = [value] if isinstance(value, str) else value
            if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
                raise ParameterError(f"region groups file {source}: {name!r} must map to a code or a list of codes")
            out[_norm(name)] = {
                "name": str(name),
                "codes": [c.strip().upper() for c in codes],
                "kind": {"aliases": "alias", "groups": "group"}[kind],
            }
    return out


# -- the result -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A region as resolved: canonical code, name and the dataset areas it is made of.

    Attributes
    ----------
    code
        The canonical code: an area code (``TLG3``, ``19820``), a container's
        code (``TLI`` for London's ITL2 areas) or codes joined by ``+``
        (``TLF+TLG``). It resolves to the same region again.
    name
        The name shown to readers.
    members
        Codes of the dataset areas the region is made of (sorted); one for a
        plain area.
    geography
        ``uk`` or ``us`` (or what the areas table says).
    text
        What the user typed.
    mapping
        How the input was mapped, in words (empty when it named one area
        directly), e.g. "WMCA = West Midlands Combined Authority (E47000007):
        the same 7 districts as West Midlands (TLG3)".
    """

    code: str
    name: str
    members: tuple[str, ...]
    geography: str
    text: str = ""
    mapping: tuple[str, ...] = field(default_factory=tuple)

    @property
    def composite(self) -> bool:
        """True when the region is made of several dataset areas."""
        return len(self.members) > 1

    @property
    def label(self) -> str:
        """``Name (code)``."""
        return f"{self.name} ({self.code})" if self.name and self.name != self.code else self.code

    def describe(self) -> dict[str, Any]:
        """What ``run.json`` records about the region."""
        return {
            "code": self.code,
            "name": self.name,
            "input": self.text,
            "members": list(self.members),
            "composite": self.composite,
            "mapping": list(self.mapping),
        }


# -- the resolver ---------------------------------------------------------------------------------------------


class Gazetteer:
    """Resolves region input against the areas of one or more datasets.

    Parameters
    ----------
    available
        Codes of the areas a dataset has (the areas a region can be made of).
    places
        Every known area (``area_code, area_name, area_level, parent_code,
        geography``); default the package's areas. Areas of *available* not
        in it are known by code only.
    groups
        Named aliases and groups (:func:`load_region_groups`); default the package's.

    Examples
    --------
    >>> gb = Gazetteer(package_places().query("area_level == 'itl2'")["area_code"])
    >>> gb.resolve("UKG3").code
    'TLG3'
    >>> gb.resolve("WMCA").mapping[0]
    'WMCA = West Midlands Combined Authority (E47000007): the same 7 districts as West Midlands (TLG3)'
    >>> gb.resolve("TLF,TLG").members
    ('TLF1', 'TLF2', 'TLF3', 'TLG1', 'TLG2', 'TLG3')
    """

    def __init__(
        self,
        available: Iterable[str],
        places: pd.DataFrame | None = None,
        groups: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.available = sorted({str(a) for a in available})
        known = package_places() if places is None else places
        rows = known[[c for c in _PLACE_COLUMNS if c in known.columns]].drop_duplicates("area_code", keep="first")
        self._name: dict[str, str] = {}
        self._level: dict[str, str] = {}
        self._parent: dict[str, str] = {}
        self._geo: dict[str, str] = {}

        # Column by column as Python lists: iterating rows of Arrow-backed columns took 0.1 s for 5,000 places.
        def column(name: str, default: Any) -> list[Any]:
            return rows[name].tolist() if name in rows.columns else [default] * len(rows)

        for code, name, level, parent, geo in zip(
            column("area_code", None),
            column("area_name", None),
            column("area_level", ""),
            column("parent_code", None),
            column("geography", ""),
            strict=True,
        ):
            code = str(code)
            if isinstance(name, str) and name:
                self._name[code] = str(name)
            self._level[code] = str(level or "")
            if isinstance(parent, str) and parent:
                self._parent[code] = parent
            self._geo[code] = str(geo or "")
        self._available = set(self.available)
        self.groups = dict(region_groups() if groups is None else groups)
        by_name: dict[str, list[str]] = {}
        for code, name in self._name.items():
            by_name.setdefault(_norm(name), []).append(code)
        self._by_name = by_name
        self._tokens = {code: set(_norm(self._name.get(code, "")).split()) for code in self.available}

    # -- look-ups -----------------------------------------------------------------------------------------------
    def name(self, code: str) -> str:
        """The name of an area (its code when it has none)."""
        return self._name.get(code, code)

    def label(self, code: str) -> str:
        name = self._name.get(code)
        return f"{name} ({code})" if name else code

    def names(self) -> dict[str, str]:
        """Code -> name of every named area."""
        return dict(self._name)

    def parents(self) -> dict[str, str]:
        return dict(self._parent)

    def geography(self, code: str) -> str:
        return self._geo.get(code, "")

    def _ancestors(self, code: str) -> list[str]:
        out: list[str] = []
        while code in self._parent and self._parent[code] not in out:
            code = self._parent[code]
            out.append(code)
        return out

    def members_of(self, code: str) -> tuple[str, ...]:
        """Dataset areas making up a known area exactly (empty when they do not cover it exactly)."""
        if code in self._available:
            return (code,)
        inside = [a for a in self.available if code in self._ancestors(a)]
        territories = _uk_territories() if self._geo.get(code) == "uk" else {}
        whole = territories.get(code)
        if whole is not None and all(a in territories for a in self.available if self._geo.get(a) == "uk"):
            # By districts: catches areas outside the ITL tree (combined authorities, countries).
            inside = [a for a in self.available if a in territories and territories[a] <= whole]
            covered = frozenset().union(*(territories[a] for a in inside)) if inside else frozenset()
            return tuple(inside) if covered == whole else ()
        return tuple(inside)

    def _explain_miss(self, code: str) -> str:
        """Why a known area is not made of dataset areas, and what to use instead."""
        territories = _uk_territories() if self._geo.get(code) == "uk" else {}
        ancestors = [a for a in self._ancestors(code) if a in self._available]
        if ancestors:
            return f"{self.label(code)} lies inside {self.label(ancestors[0])}; use {ancestors[0]}"
        whole = territories.get(code)
        if whole:
            overlaps = [(a, len(territories[a] & whole)) for a in self.available if territories.get(a, set()) & whole]
            if overlaps:
                parts = ", ".join(f"{self.label(a)}: {n} of its {len(territories[a])} districts" for a, n in overlaps)
                if len(overlaps) == 1:
                    return f"{self.label(code)} lies inside {self.label(overlaps[0][0])}; use {overlaps[0][0]}"
                return (
                    f"{self.label(code)} ({len(whole)} districts) does not coincide with any combination of this "
                    f"dataset's areas; it overlaps {parts}"
                )
        return f"{self.label(code)} has no areas in this dataset"

    # -- resolving ----------------------------------------------------------------------------------------------
    def resolve(self, text: str) -> Region:
        """The region *text* stands for (see the module docstring for what is accepted).

        Raises
        ------
        UnknownCodeError
            Nothing matches (with "did you mean" candidates), the input is
            ambiguous (the candidates listed), or it names an area that no
            combination of the dataset's areas covers exactly.
        """
        raw = str(text).strip()
        if not raw:
            raise UnknownCodeError("region", raw, hint="give an area code or name")
        try:
            return self._resolve_one(raw)
        except UnknownCodeError:
            parts = [p.strip() for p in re.split(r"[+,;]", raw) if p.strip()]
            if len(parts) < 2:
                raise
        # Not one area: a list of areas ("TLF,TLG", "TLG3 + TLD3"), each resolved on its own.
        return self._combine(raw, [self._resolve_one(p) for p in parts])

    def resolve_many(self, texts: Sequence[str]) -> list[Region]:
        """Each of *texts* resolved (peer lists)."""
        return [self.resolve(t) for t in texts]

    def _combine(self, raw: str, parts: Sequence[Region], name: str | None = None) -> Region:
        members: list[str] = []
        for part in parts:
            overlap = set(members) & set(part.members)
            if overlap:
                raise ParameterError(
                    f"region {raw!r}: {part.label} overlaps an earlier part ({', '.join(sorted(overlap))}); "
                    "list each area once"
                )
            members.extend(part.members)
        geographies = {p.geography for p in parts}
        if len(geographies) > 1:
            raise ParameterError(
                f"region {raw!r} mixes areas of different countries ({', '.join(sorted(geographies))})"
            )
        mapping = [m for p in parts for m in p.mapping]
        if len(parts) == 1:
            return Region(
                parts[0].code, name or parts[0].name, parts[0].members, parts[0].geography, raw, tuple(mapping)
            )
        code = "+".join(p.code for p in parts)
        label = name or " + ".join(p.name for p in parts)
        mapping.append(
            f"{name or raw} = {len(members)} areas analysed as one: "
            + ", ".join(self.label(m) for m in sorted(members))
        )
        return Region(code, label, tuple(sorted(members)), parts[0].geography, raw, tuple(mapping))

    def _area(self, code: str, raw: str, mapping: Sequence[str] = ()) -> Region:
        """A known area as a region of dataset areas (or a helpful error)."""
        members = self.members_of(code)
        if not members:
            raise UnknownCodeError("region", raw, hint=self._explain_miss(code))
        extra = list(mapping)
        if len(members) > 1:
            extra.append(
                f"{self.label(code)} = {len(members)} areas analysed as one: "
                + ", ".join(self.label(m) for m in members)
            )
        elif members[0] != code:
            extra.append(f"{self.label(code)}: the same districts as {self.label(members[0])}")
        geography = self._geo.get(code) or self._geo.get(members[0], "")
        return Region(members[0] if len(members) == 1 else code, self.name(code), members, geography, raw, tuple(extra))

    def _resolve_one(self, raw: str) -> Region:
        upper = raw.upper().replace(" ", "")
        upper = _CODE_ALIASES.get(upper, upper)
        for code in (upper, nuts2016_to_itl2021(upper)):
            if code in self._available:
                return Region(code, self.name(code), (code,), self._geo.get(code, ""), raw)
        key = _norm(raw)
        group = self.groups.get(key)
        if group is not None:
            return self._group(raw, group)
        for code in (upper, nuts2016_to_itl2021(upper)):
            if code in self._level:
                return self._area(code, raw)
        # Names: the dataset's own areas first (the ITL2 "West Midlands", not the ITL1 region).
        named = self._by_name.get(key, []) or self._csa_named(key)
        own = [c for c in named if c in self._available]
        if len(own) == 1:
            return Region(own[0], self.name(own[0]), (own[0],), self._geo.get(own[0], ""), raw)
        candidates = own or self._coarsest_distinct(named)
        # An unambiguous part of a name: every word of the input is a word of the name ("Detroit").
        words = set(key.split())
        partial = [c for c in self.available if words and words <= self._tokens[c] and c not in candidates]
        if len(candidates) == 1:
            try:
                return self._area(candidates[0], raw)
            except UnknownCodeError as error:
                if partial:
                    also = ", ".join(self.label(c) for c in partial[:10])
                    error.hint = f"{error.hint}; or one of: {also}"
                raise
        if not candidates:
            candidates = partial
            if len(candidates) == 1:
                code = candidates[0]
                mapping = (f"{raw!r} = {self.label(code)}",)
                return Region(code, self.name(code), (code,), self._geo.get(code, ""), raw, mapping)
        if candidates:
            shown = [self.label(c) for c in sorted(candidates, key=lambda c: self.name(c))]
            raise UnknownCodeError(
                "region",
                raw,
                shown,
                hint=f"{raw!r} matches {len(candidates)} areas: give a code or the full name",
            )
        if not self._close(raw):
            raise UnknownCodeError(
                "region", raw, [self.label(c) for c in self._ordered(raw)], hint=self._did_you_mean(raw)
            )
        unknown = UnknownCodeError("region", raw, hint=self._did_you_mean(raw))
        unknown.choices = self._suggestions(raw)
        raise unknown

    def _csa_named(self, key: str) -> list[str]:
        """A combined statistical area asked for with its kind: ``Detroit-Warren-Ann Arbor, MI CSA``, ``CSA 220``."""
        words = key.split()
        if len(words) < 2 or "csa" not in (words[0], words[-1]):
            return []
        rest = " ".join(words[1:] if words[0] == "csa" else words[:-1])
        found = [c for c in self._by_name.get(rest, []) if self._level.get(c) == "csa"]
        return found or ([rest] if self._level.get(rest) == "csa" else [])

    def _coarsest_distinct(self, codes: list[str]) -> list[str]:
        """Of areas sharing a name, one per territory (the coarsest), preferring ITL areas."""
        territories = _uk_territories()
        itl = [c for c in codes if self._level.get(c, "").startswith("itl")]
        codes = itl or codes
        order = {lv: i for i, lv in enumerate(AREA_LEVELS)}
        chosen: dict[Any, str] = {}
        for code in sorted(codes, key=lambda c: (order.get(self._level.get(c, ""), 99), c)):
            chosen.setdefault(territories.get(code, code), code)
        return list(chosen.values())

    def _group(self, raw: str, group: Mapping[str, Any]) -> Region:
        parts = []
        for code in group["codes"]:
            code = nuts2016_to_itl2021(_CODE_ALIASES.get(code, code))
            if code not in self._level and code not in self._available:
                raise ParameterError(f"region group {group['name']!r} names unknown area {code!r}")
            parts.append(self._area(code, code))
        if group.get("kind") == "alias" and len(parts) == 1:
            part = parts[0]
            target = self.label(part.code) if not part.composite else f"{len(part.members)} areas"
            source = self.label(group["codes"][0])
            if part.members == (group["codes"][0],):
                mapping = (f"{group['name']} = {source}",)
            else:
                territories = _uk_territories()
                districts = len(territories.get(group["codes"][0], ())) or len(part.members)
                mapping = (f"{group['name']} = {source}: the same {districts} districts as {target}",)
            return Region(part.code, part.name, part.members, part.geography, raw, mapping)
        return self._combine(
            raw, [Region(p.code, p.name, p.members, p.geography, p.text) for p in parts], group["name"]
        )

    # -- suggestions --------------------------------------------------------------------------------------------
    def _pool(self, wider_only: bool = True) -> dict[str, str]:
        """Normalised name -> code of what a user could mean: dataset areas, then larger areas (or all others)."""
        pool: dict[str, str] = {}
        for code in self.available:
            if code in self._name:
                pool.setdefault(_norm(self._name[code]), code)
        geographies = {self._geo.get(c) for c in self.available}
        for name, codes in self._by_name.items():
            known = [c for c in codes if self._geo.get(c) in geographies]
            wider = [c for c in known if self._level.get(c) in _CONTAINER_LEVELS]
            chosen = wider or ([] if wider_only else self._coarsest_distinct(known))
            if chosen:
                pool.setdefault(name, chosen[0])
        return pool

    def _segments(self) -> dict[str, list[str]]:
        """Each place name within a dataset area's name (split at ``-`` and ``,``) -> the areas that have it."""
        out: dict[str, list[str]] = {}
        for code in self.available:
            for part in re.split(r"[-,/]", self._name.get(code, "")):
                key = _norm(part)
                if len(key) > 3:
                    out.setdefault(key, []).append(code)
        return out

    def _close(self, raw: str) -> list[str]:
        key = _norm(raw)
        upper = raw.strip().upper()
        codes = difflib.get_close_matches(upper, self.available, n=5, cutoff=0.6)
        pool = self._pool()
        close = [pool[n] for n in difflib.get_close_matches(key, list(pool), n=5, cutoff=0.7)]
        # Names of smaller areas only when they are very close ("Birmingam" -> Birmingham, not "nowhere" -> Rother).
        everything = self._pool(wider_only=False)
        close += [everything[n] for n in difflib.get_close_matches(key, list(everything), n=3, cutoff=0.85)]
        named = list(self.groups) if any(self._geo.get(c) == "uk" for c in self.available) else []
        groups = [self.groups[n]["name"] for n in difflib.get_close_matches(key, named, n=3, cutoff=0.7)]
        # Parts of names too ("Detriot" -> the "Detroit" of Detroit-Warren-Dearborn, MI).
        segments = self._segments()
        parts = [c for n in difflib.get_close_matches(key, list(segments), n=3, cutoff=0.75) for c in segments[n]]
        # Names that start with what was typed ("Detroi" -> Detroit-Warren-Dearborn, MI).
        starts = [c for c in self.available if key and _norm(self._name.get(c, "")).startswith(key)][:5]
        named_first = list(dict.fromkeys(close + parts[:5]))

        def likeness(code: str) -> float:
            name = _norm(self._name.get(code, ""))
            pieces = [name, *(_norm(p) for p in re.split(r"[-,/]", self._name.get(code, "")))]
            return max(difflib.SequenceMatcher(None, key, p).ratio() for p in pieces)

        named_first.sort(key=likeness, reverse=True)
        return list(dict.fromkeys(named_first + starts + codes + groups))

    def _did_you_mean(self, raw: str) -> str:
        close = self._close(raw)
        if close:
            return "did you mean " + ", ".join(self.label(c) if c in self._level else c for c in close) + "?"
        return "give an area code, an area name or a unique part of one (e.g. TLG3, West Midlands, Detroit)"

    def _ordered(self, raw: str) -> list[str]:
        """The dataset areas, those of the country the input looks like first (digits: a US CBSA code)."""
        guess = "us" if raw.strip().isdigit() else "uk"
        return sorted(self.available, key=lambda c: (self._geo.get(c, guess) != guess, c))

    def _suggestions(self, raw: str) -> list[str]:
        close = [self.label(c) if c in self._level else c for c in self._close(raw)]
        rest = [self.label(c) for c in self._ordered(raw) if self.label(c) not in close]
        return close + rest


def resolve_region(
    text: str,
    available: Iterable[str],
    places: pd.DataFrame | None = None,
    groups: Mapping[str, Mapping[str, Any]] | None = None,
) -> Region:
    """Resolve *text* against the dataset areas *available* (see :class:`Gazetteer`).

    Examples
    --------
    >>> resolve_region("West Midlands", ["TLG1", "TLG2", "TLG3"]).code
    'TLG3'
    """
    return Gazetteer(available, places, groups).resolve(text)


# -- benchmarks -----------------------------------------------------------------------------------------------


def benchmark_keyword(benchmark: str) -> str:
    """``national``, ``peers``, ``metro``, ``micro`` or an upper-case area code."""
    key = benchmark.strip()
    if key.lower() in BENCHMARK_NATIONAL:
        return "national"
    if key.lower() in ("peers", *CBSA_TYPES):
        return key.lower()
    return key.upper()


def choose_benchmark(
    benchmark: str,
    *,
    region: Region | str,
    available: Sequence[str],
    area_totals: pd.Series,
    parents: Mapping[str, str],
    peers: Sequence[str] | None,
    names: Mapping[str, str],
    benchmark_name: str,
    area_types: Mapping[str, str] | None = None,
    gazetteer: Gazetteer | None = None,
) -> tuple[list[str] | None, str]:
    """Resolve a benchmark choice to the benchmark areas (None = all) and a label.

    ``national`` (also ``GB``/``US``): all areas of the dataset. ``peers``: the
    given *peers* plus the region, or by default the region and the
    :data:`DEFAULT_PEERS` areas closest to it in total employment (of the
    same CBSA type as the region when *area_types* is given). ``metro`` /
    ``micro``: all metropolitan or micropolitan CBSAs (plus the region). An
    area code of a larger area (e.g. ITL1 ``TLG``): the dataset's areas
    inside it.

    *available* and *area_totals* are over the areas as analysed (a
    composite region is one area, its code in *available*).
    """
    region_code = region.code if isinstance(region, Region) else region
    key = benchmark_keyword(benchmark)
    if key == "national":
        return None, benchmark_name
    if key in CBSA_TYPES:
        if not area_types:
            raise ParameterError(f"benchmark {benchmark!r} applies to US metropolitan/micropolitan areas only")
        wanted = CBSA_TYPES[key]
        group = sorted({region_code, *(a for a in available if area_types.get(a) == wanted)})
        return group, f"all {wanted} areas"
    if key == "peers":
        if peers:
            resolver = gazetteer or Gazetteer(available)
            chosen = [r.code for r in resolver.resolve_many(list(peers))]
        else:
            pool = area_totals.drop(region_code)
            kind = (area_types or {}).get(region_code)
            if kind:
                # A metropolitan area's peers are metropolitan areas (and micropolitan ones micropolitan).
                pool = pool[[(area_types or {}).get(a) == kind for a in pool.index]]
            distance = (pool - area_totals[region_code]).abs().sort_values()
            chosen = list(distance.index[:DEFAULT_PEERS])
        group = sorted({region_code, *chosen})
        return group, "peer group: " + ", ".join(group)
    inside = [a for a in available if _is_within(a, key, parents)]
    if len(inside) >= 2:
        label = names.get(key, key)
        return inside, f"{label} ({key})"
    choices = ["national", "peers", *sorted({parents[a] for a in available if a in parents})]
    if area_types:
        choices[2:2] = list(CBSA_TYPES)
    raise UnknownCodeError("benchmark", benchmark, choices)


def _is_within(area: str, container: str, parents: Mapping[str, str]) -> bool:
    seen = set()
    while area in parents and area not in seen:
        seen.add(area)
        area = parents[area]
        if area == container:
            return True
    return False


# -- UK areas at every level ----------------------------------------------------------------------------------


@cache
def _area_resolver(level: str | None) -> tuple[pd.DataFrame, Gazetteer, dict[str, str]]:
    """The UK areas of *level* (all levels for None), their resolver and every area's level: built once per
    level (a resolver of every UK area takes about 15 ms to build; profiles resolve a code each). Read-only."""
    areas = _read("areas_uk")
    pool = areas if level is None else areas[areas["area_level"] == level]
    resolver = Gazetteer(pool["area_code"], places=areas, groups={})
    levels = dict(zip(areas["area_code"], areas["area_level"], strict=True))
    return pool, resolver, levels


def resolve_area_code(code: str, *, level: str | None = None) -> str:
    """The canonical code of a UK area (any level) given its code, NUTS 2016 code or name.

    Accepts an area code (``TLG3``, ``E08000025``, ``K03000001``; any case), a
    NUTS 2016 code (``UKG3`` → ``TLG3``), the labels ``UK``, ``GB`` and ``TLB``
    (England in the ONS GVA tables), or an exact area name (any case).

    Parameters
    ----------
    code
        What the user typed.
    level
        Restrict the answer to one level (:data:`AREA_LEVELS`), e.g. to pick
        the ITL2 area "West Midlands" rather than the ITL1 region.

    Returns
    -------
    str
        The canonical code.

    Raises
    ------
    UnknownCodeError
        No area has that code or name (the message lists valid codes, closest
        first), or the name belongs to areas covering different territories.

    Notes
    -----
    A name can belong to several areas. ITL areas are preferred over LADs
    and combined authorities of the same name (the ITL3 area "Birmingham" is
    the LAD Birmingham), and among ITL areas that cover the same districts the
    coarsest is returned ("Northern Ireland" → ``TLN``). Names of different
    territories — "West Midlands" is both the ITL1 region ``TLG`` and the ITL2
    area ``TLG3`` (the seven metropolitan boroughs) — are an error: pass a
    code or *level*.

    Examples
    --------
    >>> resolve_area_code("UKG3")
    'TLG3'
    >>> resolve_area_code("west midlands", level="itl2")
    'TLG3'
    >>> resolve_area_code("Birmingham")
    'TLG31'
    """
    if level is not None and level not in AREA_LEVELS:
        raise ParameterError(f"unknown area level {level!r}; choose from {', '.join(AREA_LEVELS)}")
    pool, resolver, levels = _area_resolver(level)
    text = str(code).strip()
    upper = _CODE_ALIASES.get(text.upper(), text.upper())
    for candidate in (upper, nuts2016_to_itl2021(upper)):
        if candidate in resolver._available:
            return candidate
    named = [c for c in resolver._by_name.get(_norm(text), []) if c in resolver._available]
    candidates = resolver._coarsest_distinct(named)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise UnknownCodeError(
            "area",
            text,
            [f"{c} ({levels[c]})" for c in candidates],
            hint="the name belongs to areas covering different territories: pass one of these codes or level=",
        )
    close = resolver._close(text)
    codes = list(pool["area_code"])
    hint = f"did you mean {', '.join(close)}?" if close else "use an ITL 2021 code (TLG3), a GSS code or an area name"
    raise UnknownCodeError(
        "area" if level is None else f"{level} area", text, close + [c for c in codes if c not in close], hint=hint
    )
