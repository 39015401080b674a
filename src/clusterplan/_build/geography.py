"""Build the geography datasets: UK areas, LAD lookups, the NUTS 2016 → ITL 2021 crosswalk and boundaries.

Runs first: later builders translate codes with the crosswalk. Every check
here raises (a wrong area hierarchy would silently corrupt every location
quotient downstream): the ITL3 areas of the GVA table, the shapefile and the
LAD lookup must be the same 179; the 40 BRES areas must each match an ITL2 area
by name and by the ``UK`` → ``TL`` code rule; the West Midlands Combined
Authority must be exactly the seven LADs of ITL2 area TLG3.

Shapes: ITL3 from the ONS shapefile (British National Grid), cleaned into an
exact coverage, simplified as a coverage (shared edges stay shared, so no
slivers), dissolved into ITL2 and ITL1 by code prefix, reprojected to WGS84 and
rounded to 4 decimals. Needs pyshp, pyproj and shapely >= 2.2 (GEOS >= 3.14,
for ``coverage_clean``); the output bytes can differ between GEOS versions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import DataValidationError
from ..sources._codes import itl2021_to_nuts2016
from ..sources.ons_geography import (
    COUNTRIES,
    GREAT_BRITAIN,
    UNITED_KINGDOM,
    combined_authority_membership,
    match_nuts2016_to_itl2021,
    read_itl_names,
    read_lad_itl_lookup,
    read_mysociety_authorities,
    read_nomis_area_names,
)
from ._common import OGL, OGL_OS, US_PUBLIC_DOMAIN, BuiltDataset, raw_entry, sha256_file, write_table, write_text

_LOOKUP = "uk/lookups/LAD23_to_ITL3_ITL2_ITL1_2021_DERIVED.csv"
_MYSOCIETY = "uk/lookups/mysociety_uk_local_authorities_future.csv"
_GVA = {
    "itl1": "uk/gva_itl/Table_1c_ITL1_UK_current_price_estimates_pounds_million.csv",
    "itl2": "uk/gva_itl/Table_2c_ITL2_current_price_estimates_pounds_million_2024.csv",
    "itl3": "uk/gva_itl/Table_3c_ITL3_current_price_estimates_pounds_million_2024.csv",
}
_BRES = [
    "uk/bres_itl2/bres_employment_itl2_nuts2016_sic2_2015_2021.csv",
    "uk/bres_itl2/bres_employment_itl2_nuts2016_sic5_2015_2021.csv",
]
_ITL3_SHAPES = "uk/boundaries/ITL3_JAN_2021_UK_BUC_V3/ITL3_JAN_2021_UK_BUC_V3"
_LAD_SHAPES = "uk/boundaries/LAD_May2023_UK_BUC.geojson"
_US = "us/boundaries/"

#: Douglas-Peucker tolerance (metres, British National Grid) of the ITL and LAD shapes.
ITL_TOLERANCE_M = 250.0
LAD_TOLERANCE_M = 100.0
#: Decimal places of longitude/latitude (1e-4 degree is about 7 m by 11 m in the UK).
DECIMALS = 4

#: The seven metropolitan boroughs of the West Midlands Combined Authority (ITL2 TLG3, NUTS UKG3).
WMCA_BOROUGHS = {
    "E08000025": "Birmingham",
    "E08000026": "Coventry",
    "E08000027": "Dudley",
    "E08000028": "Sandwell",
    "E08000029": "Solihull",
    "E08000030": "Walsall",
    "E08000031": "Wolverhampton",
}
WMCA = "E47000007"

_ONS = "Office for National Statistics"


def _fail(problem: str, *, file: str | None = None, code: str | None = None) -> DataValidationError:
    return DataValidationError(
        problem, file=file, code=code, hint="the raw geography files disagree; fix or update them"
    )


def _same(name: str, got: set[str], want: set[str], file: str) -> None:
    if got != want:
        extra, missing = sorted(got - want), sorted(want - got)
        raise _fail(f"{name}: extra {extra[:10]}, missing {missing[:10]}", file=file)


# -- tables ----------------------------------------------------------------------------------------------------


def _itl_names(raw: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for level, relative in _GVA.items():
        names = read_itl_names(raw / relative, file_label=relative)
        width = {"itl1": 3, "itl2": 4, "itl3": 5}[level]
        # The ITL1 table also has UK, TLB (England), TLZ (Extra-Regio) and UKX: keep the 12 ITL1 regions.
        keep = names["itl_code"].str.fullmatch(r"TL[C-N][0-9A-Z]*") & (names["itl_code"].str.len() == width)
        out[level] = names[keep].sort_values("itl_code").reset_index(drop=True)
    return out


def _pairs(frame: pd.DataFrame, key: str, value: str) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in zip(frame[key], frame[value], strict=True)]


def _areas(lookup: pd.DataFrame, itl: dict[str, pd.DataFrame], members: pd.DataFrame) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str | None, str | None]] = [
        (UNITED_KINGDOM, "United Kingdom", "country_group", None, None),
        (GREAT_BRITAIN, "Great Britain", "country_group", UNITED_KINGDOM, None),
    ]
    for code, name in COUNTRIES.items():
        rows.append((code, name, "country", UNITED_KINGDOM if code.startswith("N") else GREAT_BRITAIN, None))
    for code, name in _pairs(itl["itl1"], "itl_code", "itl_name"):
        rows.append((code, name, "itl1", UNITED_KINGDOM if code == "TLN" else GREAT_BRITAIN, itl2021_to_nuts2016(code)))
    for level, parent_width in (("itl2", 3), ("itl3", 4)):
        for code, name in _pairs(itl[level], "itl_code", "itl_name"):
            rows.append((code, name, level, code[:parent_width], itl2021_to_nuts2016(code)))
    itl1_of = dict(_pairs(lookup, "lad_code", "itl1_code"))
    for (ca_code, ca_name), group in members.groupby(["combined_authority_code", "combined_authority_name"]):
        regions = {itl1_of[c] for c in group["lad_code"]}
        # A combined authority sits in one ITL1 region, except e.g. Greater Lincolnshire (TLE and TLF): then England.
        countries = [c for c in COUNTRIES if c[0] == str(group["lad_code"].iloc[0])[0]]
        parent = regions.pop() if len(regions) == 1 else countries[0]
        rows.append((str(ca_code), str(ca_name), "combined_authority", parent, None))
    for lad_code, lad_name, itl3_code in zip(lookup["lad_code"], lookup["lad_name"], lookup["itl3_code"], strict=True):
        rows.append((str(lad_code), str(lad_name), "lad", str(itl3_code), None))
    areas = pd.DataFrame(rows, columns=["area_code", "area_name", "area_level", "parent_code", "alt_code"])
    areas.insert(4, "geography", "uk")
    if areas["area_code"].duplicated().any():
        raise _fail(f"area code twice: {areas.loc[areas['area_code'].duplicated(), 'area_code'].tolist()}")
    orphans = areas["parent_code"].notna() & ~areas["parent_code"].isin(areas["area_code"])
    if orphans.any():
        raise _fail(f"parent codes not in the table: {sorted(set(areas.loc[orphans, 'parent_code']))}")
    return areas


def _check_wmca(lookup: pd.DataFrame, members: pd.DataFrame) -> None:
    wmca = members[members["combined_authority_code"] == WMCA]
    tlg3 = set(lookup.loc[lookup["itl2_code"] == "TLG3", "lad_code"])
    if set(wmca["lad_code"]) != set(WMCA_BOROUGHS) or tlg3 != set(WMCA_BOROUGHS):
        raise _fail(
            f"WMCA members {sorted(wmca['lad_code'])} and LADs of TLG3 {sorted(tlg3)} "
            f"must both be the seven boroughs {sorted(WMCA_BOROUGHS)}",
            file=_MYSOCIETY,
        )


def _crosswalk(raw: Path, itl2: pd.DataFrame) -> pd.DataFrame:
    nuts = read_nomis_area_names(raw / _BRES[0], file_label=_BRES[0])
    other = read_nomis_area_names(raw / _BRES[1], file_label=_BRES[1])
    if (
        not nuts.sort_values("nuts2016_code")
        .reset_index(drop=True)
        .equals(other.sort_values("nuts2016_code").reset_index(drop=True))
    ):
        raise _fail("the two BRES files list different areas", file=_BRES[1])
    table = match_nuts2016_to_itl2021(nuts, itl2, nuts_label=_BRES[0], itl_label=_GVA["itl2"])
    if len(table) != 40:
        raise _fail(f"expected the 40 GB ITL2 areas of BRES, found {len(table)}", file=_BRES[0])
    return table.sort_values("nuts2016_code").reset_index(drop=True)


def _us_county_fips(raw: Path) -> pd.DataFrame:
    relative = _US + "addfips_counties_2020.csv"
    frame = pd.read_csv(raw / relative, dtype=str, keep_default_na=False)
    missing = [c for c in ("statefp", "countyfp", "name") if c not in frame.columns]
    if missing:
        raise DataValidationError(f"missing column(s) {missing}", file=relative)
    for column, width in (("statefp", 2), ("countyfp", 3)):
        bad = ~frame[column].str.fullmatch(rf"\d{{{width}}}")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataValidationError(f"{frame[column].iloc[i]!r} is not a FIPS code", file=relative, row=i + 1)
    topology = json.loads((raw / _US / "states-10m.json").read_text())
    states = {g["id"]: g["properties"]["name"] for g in topology["objects"]["states"]["geometries"]}
    table = pd.DataFrame(
        {
            "county_fips": frame["statefp"] + frame["countyfp"],
            "state_fips": frame["statefp"],
            "county_name": frame["name"].str.strip(),
            "state_name": frame["statefp"].map(states).fillna(""),
        }
    )
    if table.duplicated().any():
        raise DataValidationError("duplicate county name rows", file=relative)
    return table.sort_values(["county_fips", "county_name"]).reset_index(drop=True)


# -- shapes ----------------------------------------------------------------------------------------------------


def _polygonal(geom: Any) -> Any:
    """A valid (Multi)Polygon with RFC 7946 winding (exterior counter-clockwise)."""
    import shapely

    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(parts)
    return shapely.orient_polygons(geom, exterior_cw=False)


def _to_wgs84(geoms: Any) -> list[Any]:
    """Reproject from British National Grid and round to :data:`DECIMALS`."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

    def project(xy: Any) -> Any:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    return [_polygonal(shapely.transform(g, project)) for g in geoms]


def _feature_collection(codes: list[str], names: dict[str, str], geoms: list[Any]) -> str:
    """GeoJSON text, one feature per line, sorted by code (deterministic bytes)."""
    from shapely.geometry import mapping

    lines = []
    for code, geom in sorted(zip(codes, geoms, strict=True), key=lambda item: item[0]):
        feature = {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": names[code]},
            "geometry": mapping(geom),
        }
        lines.append(json.dumps(feature, separators=(",", ":"), ensure_ascii=False))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _clean_coverage(geoms: Any, tolerance: float) -> Any:
    import numpy as np
    import shapely

    if not hasattr(shapely, "coverage_clean"):
        raise RuntimeError("building the boundaries needs shapely >= 2.2 (GEOS >= 3.14) for coverage_clean")
    valid = np.array([_polygonal(g) for g in geoms], dtype=object)
    # Published generalised boundaries have small overlaps and unmatched edges; make them an exact coverage so that
    # simplification keeps shared edges shared and dissolving leaves no slivers.
    clean = shapely.coverage_clean(valid)
    return shapely.coverage_simplify(clean, tolerance)


def _itl_shapes(raw: Path) -> tuple[list[str], Any]:
    import shapefile
    from shapely.geometry import shape

    reader = shapefile.Reader(str(raw / _ITL3_SHAPES), encoding="utf-8")
    prj = (raw / (_ITL3_SHAPES + ".prj")).read_text()
    if "British_National_Grid" not in prj:
        raise _fail("ITL3 shapefile is not in British National Grid (EPSG:27700)", file=_ITL3_SHAPES + ".prj")
    fields = [f[0] for f in reader.fields[1:]]
    if "ITL321CD" not in fields:
        raise _fail(f"ITL3 shapefile has no ITL321CD field ({fields})", file=_ITL3_SHAPES + ".dbf")
    codes = [str(record["ITL321CD"]).strip() for record in reader.records()]
    geoms = [shape(s.__geo_interface__) for s in reader.shapes()]
    return codes, _clean_coverage(geoms, ITL_TOLERANCE_M)


def _lad_shapes(raw: Path) -> tuple[list[str], Any]:
    import numpy as np
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    collection = json.loads((raw / _LAD_SHAPES).read_text(encoding="utf-8"))
    codes = [f["properties"]["LAD23CD"] for f in collection["features"]]
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

    def project(xy: Any) -> Any:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    # Simplify in metres (British National Grid, adequate for Northern Ireland at this tolerance).
    geoms = [shapely.transform(shape(f["geometry"]), project) for f in collection["features"]]
    return codes, _clean_coverage(geoms, LAD_TOLERANCE_M)


def _dissolve(codes: list[str], geoms: Any, width: int) -> tuple[list[str], list[Any]]:
    import shapely

    groups: dict[str, list[Any]] = {}
    for code, geom in zip(codes, geoms, strict=True):
        groups.setdefault(code[:width], []).append(geom)
    keys = sorted(groups)
    return keys, [shapely.coverage_union_all(groups[k]) for k in keys]


# -- build -----------------------------------------------------------------------------------------------------


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    lookup = read_lad_itl_lookup(raw / _LOOKUP, file_label=_LOOKUP)
    itl = _itl_names(raw)
    itl3_codes = set(itl["itl3"]["itl_code"])
    _same("ITL3 areas of the LAD lookup vs the GVA table", set(lookup["itl3_code"]), itl3_codes, _LOOKUP)
    _same("ITL2 areas vs prefixes of ITL3", set(itl["itl2"]["itl_code"]), {c[:4] for c in itl3_codes}, _GVA["itl2"])
    _same("ITL1 areas vs prefixes of ITL3", set(itl["itl1"]["itl_code"]), {c[:3] for c in itl3_codes}, _GVA["itl1"])

    authorities = read_mysociety_authorities(raw / _MYSOCIETY, file_label=_MYSOCIETY)
    current = set(authorities.loc[authorities["current"], "gss_code"])
    _same("LADs of the lookup that are not current authorities", set(lookup["lad_code"]) - current, set(), _MYSOCIETY)
    members = combined_authority_membership(authorities, lookup[["lad_code", "lad_name"]], file_label=_MYSOCIETY)
    _check_wmca(lookup, members)
    areas = _areas(lookup, itl, members)
    table = _crosswalk(raw, itl["itl2"])
    alt_codes = dict(_pairs(areas.dropna(subset=["alt_code"]), "area_code", "alt_code"))
    for nuts, itl_code in _pairs(table, "nuts2016_code", "itl2021_code"):
        if alt_codes[itl_code] != nuts:
            raise _fail("crosswalk and alt_code disagree", code=nuts)

    gva_files = [raw_entry(raw, r) for r in _GVA.values()]
    shape_files = [raw_entry(raw, _ITL3_SHAPES + ext) for ext in (".shp", ".shx", ".dbf", ".prj")]
    itl_vintage = "ITL 2021 (January 2021); LAD May 2023"
    built = [
        write_table(
            areas,
            out,
            "areas_uk",
            kind="areas",
            title="UK areas: UK, GB, countries, ITL1/ITL2/ITL3 (2021), combined authorities, LADs (May 2023)",
            source="ONS regional GVA tables (ITL codes and names); ONS LAD names; mySociety local authority register",
            publisher=_ONS + "; mySociety",
            vintage=itl_vintage,
            licence=OGL + "; combined authorities from mysociety/uk_local_authority_names_and_codes (MIT)",
            raw_files=[*gva_files, raw_entry(raw, _LOOKUP), raw_entry(raw, _MYSOCIETY)],
            transforms=[
                "ITL names from the April 2024 GVA tables (ITL1 from the 2023 table)",
                "parent: UK > GB > ITL1 > ITL2 > ITL3 > LAD; Northern Ireland ITL1 under the UK",
                "alt_code: NUTS 2016 code of each ITL area (TL -> UK prefix; checked against BRES for the 40 GB ITL2)",
                "combined authorities: GSS code from mySociety; parent = their ITL1 region, England if they span two",
            ],
            description=(
                "Canonical codes: ITL 2021 for ITL areas, GSS otherwise. Countries use GSS codes (England E92000001); "
                "the GVA tables' England row is coded TLB. Combined authorities include the Greater London Authority "
                "and authorities with later start dates (see lad_combined_authority)."
            ),
        ),
        write_table(
            lookup,
            out,
            "lad_itl_lookup",
            title="Local authority districts (May 2023) to ITL3, ITL2 and ITL1 (2021)",
            source="DERIVED file LAD23_to_ITL3_ITL2_ITL1_2021_DERIVED.csv (point in polygon of ONS LAD label points)",
            publisher=_ONS + " (boundaries); derivation documented in the raw data manifest",
            vintage=itl_vintage,
            licence=OGL_OS,
            raw_files=[raw_entry(raw, _LOOKUP)],
            transforms=["columns renamed", "ITL2/ITL1 checked to be prefixes of the ITL3 code"],
            description=(
                "Derived, not an ONS lookup: each LAD is placed in the ITL3 area that contains its ONS label point "
                "(column match = 'contains'). ITL3 2021 areas are built from LADs, so this gives the official "
                "assignment for May 2023 districts."
            ),
        ),
        write_table(
            members,
            out,
            "lad_combined_authority",
            title="Current local authority districts in combined authorities",
            source="mysociety/uk_local_authority_names_and_codes (uk_local_authorities_future.csv)",
            publisher="mySociety",
            vintage="mySociety register snapshot (includes authorities starting up to 2025-05-01)",
            licence="MIT (mySociety); LAD names ONS, " + OGL,
            raw_files=[raw_entry(raw, _MYSOCIETY), raw_entry(raw, _LOOKUP)],
            transforms=[
                "members listed directly, or through their county council (via_county_code), e.g. Derbyshire -> EMCCA",
                "LAD names from the ONS May 2023 lookup",
                "checked: West Midlands Combined Authority = the 7 metropolitan boroughs = ITL2 TLG3",
            ],
            description=(
                "Membership as registered by mySociety, including the Greater London Authority and combined "
                "authorities that started after May 2023 (see combined_authority_start_date). The register still "
                "lists the North of Tyne and the (former) North East combined authorities separately."
            ),
        ),
        write_table(
            table,
            out,
            "nuts2016_itl2021_crosswalk",
            title="NUTS 2016 to ITL 2021 codes of the 40 GB ITL2 areas",
            source="BRES (NOMIS) area codes and names; ONS regional GVA ITL2 table codes and names",
            publisher=_ONS,
            vintage="NUTS 2016 / ITL 2021",
            licence=OGL,
            raw_files=[raw_entry(raw, _BRES[0]), raw_entry(raw, _BRES[1]), raw_entry(raw, _GVA["itl2"])],
            transforms=[
                "each BRES area matched to the ITL2 area of the same name (case and punctuation ignored; "
                "'West Wales' = 'West Wales and The Valleys')",
                "matched code checked to equal the NUTS code with UK replaced by TL",
            ],
            description="name_match: exact, normalised (case/punctuation) or known_variant.",
        ),
    ]

    itl_names = dict(_pairs(areas, "area_code", "area_name"))
    codes3, geoms3 = _itl_shapes(raw)
    _same("ITL3 areas of the shapefile vs the GVA table", set(codes3), itl3_codes, _ITL3_SHAPES + ".dbf")
    for level, width in (("itl3", 5), ("itl2", 4), ("itl1", 3)):
        codes, geoms = (codes3, list(geoms3)) if width == 5 else _dissolve(codes3, geoms3, width)
        text = _feature_collection(codes, itl_names, _to_wgs84(geoms))
        built.append(
            write_text(
                text,
                out,
                f"boundaries_{level}.geojson",
                f"boundaries_{level}",
                "geojson",
                len(codes),
                title=f"{level.upper()} 2021 boundaries, ultra generalised, WGS84",
                source="ONS Open Geography Portal, ITL3 (January 2021) UK BUC V3",
                publisher=_ONS,
                vintage="January 2021",
                licence=OGL_OS,
                raw_files=shape_files,
                transforms=[
                    "made an exact coverage (shapely coverage_clean)",
                    f"coverage simplified, tolerance {ITL_TOLERANCE_M:g} m (British National Grid)",
                    *([] if width == 5 else [f"dissolved from ITL3 by the first {width} characters of the code"]),
                    f"reprojected EPSG:27700 -> WGS84 (pyproj), rounded to {DECIMALS} decimals",
                ],
                description="For maps only. Properties: code, name (names as in areas_uk).",
            )
        )
    lad_codes, lad_geoms = _lad_shapes(raw)
    _same("LADs of the boundaries vs the lookup", set(lad_codes), set(lookup["lad_code"]), _LAD_SHAPES)
    lad_names = dict(_pairs(lookup, "lad_code", "lad_name"))
    built.append(
        write_text(
            _feature_collection(lad_codes, lad_names, _to_wgs84(lad_geoms)),
            out,
            "boundaries_lad.geojson",
            "boundaries_lad",
            "geojson",
            len(lad_codes),
            title="Local authority district (May 2023) boundaries, ultra generalised, WGS84",
            source="ONS Open Geography Portal, LAD May 2023 UK BUC (via jimgar/wardboundaries)",
            publisher=_ONS,
            vintage="May 2023",
            licence=OGL_OS,
            raw_files=[raw_entry(raw, _LAD_SHAPES)],
            transforms=[
                "projected to British National Grid, made an exact coverage",
                f"coverage simplified, tolerance {LAD_TOLERANCE_M:g} m",
                f"reprojected to WGS84, rounded to {DECIMALS} decimals",
            ],
            description="For maps only. Properties: code, name.",
        )
    )

    us_licence = "ISC (us-atlas 3.0.1, © Michael Bostock); geometry from US Census Bureau cartographic boundaries, " + (
        US_PUBLIC_DOMAIN
    )
    for name, filename, objects in (
        ("boundaries_us_counties", "counties-10m.json", "counties, states, nation"),
        ("boundaries_us_states", "states-10m.json", "states, nation"),
    ):
        target = out / f"{name}.topo.json"
        shutil.copyfile(raw / _US / filename, target)
        topology = json.loads(target.read_text())
        first = next(iter(topology["objects"]))
        built.append(
            BuiltDataset(
                name=name,
                kind="topojson",
                file=target.name,
                rows=len(topology["objects"][first]["geometries"]),
                sha256=sha256_file(target),
                title=f"US {first} (TopoJSON, 1:10 million), keyed by FIPS",
                source="npm package us-atlas 3.0.1 (Census cartographic boundary files 2017)",
                publisher="US Census Bureau; packaged by Mike Bostock (us-atlas)",
                vintage="2017",
                licence=us_licence,
                raw_files=[raw_entry(raw, _US + filename), raw_entry(raw, _US + "LICENSE")],
                transforms=["copied byte for byte"],
                description=(
                    f"TopoJSON objects: {objects}; feature id = FIPS code (state 2 digits, county 5 digits). "
                    "Attribute: us-atlas, ISC licence, Copyright 2013-2019 Michael Bostock."
                ),
            )
        )
    counties = _us_county_fips(raw)
    county_provenance: dict[str, Any] = {
        "source": "PyPI package addfips (its 2020 county list); state names from us-atlas",
        "publisher": "US Census Bureau (codes and names); addfips",
        "vintage": "2020",
        "licence": US_PUBLIC_DOMAIN,
        "raw_files": [raw_entry(raw, _US + "addfips_counties_2020.csv"), raw_entry(raw, _US + "states-10m.json")],
    }
    built.append(
        write_table(
            counties,
            out,
            "us_county_fips",
            title="US county names and FIPS codes (2020)",
            **county_provenance,
            transforms=["county_fips = statefp + countyfp", "state_name from the us-atlas states TopoJSON"],
            description="Several rows per county where addfips lists alternative names (e.g. 36047 Kings County, "
            "Brooklyn Borough).",
        )
    )
    built.append(
        write_table(
            _us_county_areas(counties),
            out,
            "areas_us_counties",
            kind="areas",
            title="US states and counties as areas (FIPS codes), so county files such as CBP's can be imported",
            **county_provenance,
            transforms=["one row per county (first name addfips lists)", "states: 2-digit FIPS, parent of counties"],
            description="County 999 (CBP's statewide record) is not an area: import it with --allow-unknown-codes.",
        )
    )
    return built


def _us_county_areas(counties: pd.DataFrame) -> pd.DataFrame:
    first = counties.drop_duplicates("county_fips").sort_values("county_fips")
    county_rows = pd.DataFrame(
        {
            "area_code": first["county_fips"],
            "area_name": first["county_name"] + ", " + first["state_name"].fillna(""),
            "area_level": "county",
            "parent_code": first["state_fips"],
        }
    )
    states = first.drop_duplicates("state_fips")
    state_rows = pd.DataFrame(
        {
            "area_code": states["state_fips"],
            "area_name": states["state_name"],
            "area_level": "state",
            "parent_code": None,
        }
    )
    out = pd.concat([state_rows, county_rows], ignore_index=True)
    out["geography"] = "us"
    out["alt_code"] = None
    for column in ("area_name", "parent_code", "alt_code"):
        out[column] = out[column].astype("string")
    return out[["area_code", "area_name", "area_level", "parent_code", "geography", "alt_code"]]
