"""Hotspots: weights and island rules on the packaged boundaries, Moran's I / LISA / Gi* on the real ITL3 GVA
and ITL2 BRES, false-discovery-rate control, the GeoJSON layer, the SVG map and ``clusterplan hotspots``.

Golden values are what PySAL gives with the fixed seed (12345) and 999 permutations on the embedded ONS
regional GVA (April 2024 release) and BRES 2021; the measures themselves are checked against sums of the
raw Parquet rows.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import esda
import numpy as np
import pandas as pd
import pytest

from _util import run_cli
from clusterplan import ParameterError, UnknownCodeError
from clusterplan._data import data_dir
from clusterplan.geography.hotspots import (
    HOTSPOT_COLUMNS,
    QUADRANTS,
    HotspotResult,
    benjamini_hochberg,
    contiguity_weights,
    spatial_autocorrelation,
)
from clusterplan.pipeline.hotspots import hotspot_values, hotspots, hotspots_by_cluster
from clusterplan.report import hotspot_map_svg
from clusterplan.sources.ons_geography import load_areas, load_boundaries
from clusterplan.warehouse import Warehouse

PFS = "professional_financial_services"


def _gb(level: str) -> list[str]:
    return [c for c in load_areas(level)["area_code"] if not c.startswith(("TLN", "N"))]


def _names(level: str) -> dict[str, str]:
    areas = load_areas(level)
    return dict(zip(areas["area_code"], areas["area_name"], strict=True))


@pytest.fixture(scope="module")
def cli_warehouse(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy for the CLI subprocesses (the session warehouse is held open read-only)."""
    copy = tmp_path_factory.mktemp("hotspots") / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    return copy


@pytest.fixture(scope="module")
def pfs_share(warehouse: Warehouse) -> HotspotResult:
    return hotspots(warehouse, measure="share", cluster=PFS, level="itl3", year=2021)


# -- weights and islands ---------------------------------------------------------------------------------------------
def test_itl3_islands_are_attached_to_their_nearest_connected_area() -> None:
    weights = contiguity_weights(load_boundaries("itl3"), _gb("itl3"), names=_names("itl3"))
    assert weights.w.n == 168 and weights.w.n_components == 1 and not weights.w.islands
    links = weights.islands.set_index("area_code")
    assert set(links.index) == {"TLJ34", "TLL11", "TLM64", "TLM65", "TLM66"}
    assert links["attached_to"].to_dict() == {
        "TLL11": "TLL12",  # Anglesey -> Gwynedd (Menai Strait, 44 m between the generalised shapes)
        "TLJ34": "TLJ36",  # Isle of Wight -> Central Hampshire
        "TLM65": "TLM61",  # Orkney -> Caithness and Sutherland, and Ross and Cromarty
        "TLM64": "TLM63",  # Na h-Eileanan Siar -> Lochaber, Skye and Lochalsh, ...
        "TLM66": "TLM65",  # Shetland -> Orkney, once Orkney is connected
    }
    assert links.loc["TLM66", "distance_km"] == pytest.approx(43.44, abs=0.01)
    # The links are symmetric neighbours, and the islands have no other neighbour.
    assert weights.w.neighbors["TLM66"] == ["TLM65"] and "TLM66" in weights.w.neighbors["TLM65"]
    assert weights.w.neighbors["TLJ34"] == ["TLJ36"]


def test_drop_rule_leaves_islands_out_and_lists_them() -> None:
    weights = contiguity_weights(load_boundaries("itl3"), _gb("itl3"), islands="drop")
    assert weights.w.n == 163
    assert set(weights.islands["area_code"]) == {"TLJ34", "TLL11", "TLM64", "TLM65", "TLM66"}
    assert set(weights.islands["action"]) == {"dropped"}
    assert "TLJ34" not in weights.w.neighbors


def test_lad_islands_include_the_isles_of_scilly() -> None:
    weights = contiguity_weights(load_boundaries("lad"), _gb("lad"))
    links = weights.islands.set_index("area_code")["attached_to"].to_dict()
    assert links == {
        "W06000001": "W06000002",  # Isle of Anglesey -> Gwynedd
        "E06000046": "E07000091",  # Isle of Wight -> New Forest
        "S12000023": "S12000017",  # Orkney -> Highland
        "S12000013": "S12000017",  # Na h-Eileanan Siar -> Highland
        "E06000053": "E06000052",  # Isles of Scilly -> Cornwall
        "S12000027": "S12000023",  # Shetland -> Orkney
    }
    assert weights.w.n_components == 1


def test_itl2_has_no_islands_in_great_britain() -> None:
    weights = contiguity_weights(load_boundaries("itl2"), _gb("itl2"))
    assert weights.w.n == 40 and weights.islands.empty


def test_unknown_island_rule_and_missing_shapes_are_errors() -> None:
    with pytest.raises(ParameterError, match="islands must be one of attach, drop"):
        contiguity_weights(load_boundaries("itl2"), _gb("itl2"), islands="ignore")
    with pytest.raises(ParameterError, match="1 areas have no boundary shape"):
        contiguity_weights(load_boundaries("itl2"), [*_gb("itl2"), "TLX9"])


# -- the measure -----------------------------------------------------------------------------------------------------
def test_itl3_gva_share_is_cluster_gva_over_gva_excluding_imputed_rent(warehouse: Warehouse) -> None:
    values, info = hotspot_values(warehouse, measure="share", cluster=PFS, level="itl3", year=2021)
    assert len(values) == 168 and not values.index.str.startswith("TLN").any()
    assert info["basis"].startswith("GVA") and info["mix_year"] == 2021
    # Camden and City of London, by hand from the raw rows: each ITL3 GVA row the cluster touches, times the
    # cluster's share of that row's jobs in Inner London - West (TLI3, BRES 2021), over GVA less imputed rent.
    from clusterplan.taxonomy import load_taxonomy

    codes = set(load_taxonomy("wmca_plan_for_growth").mapping().query("cluster_id == @PFS")["industry_code"])
    gva = pd.read_parquet(data_dir() / "gva_itl3_current_prices.parquet")
    camden = gva[(gva["area_code"] == "TLI31") & (gva["year"] == 2021)].set_index("industry_code")["value"]
    bres = pd.read_parquet(data_dir() / "bres_itl2_sic5.parquet")
    jobs = bres[(bres["area_code"] == "TLI3") & (bres["year"] == 2021)].set_index("industry_code")["value"]
    rows = {
        "64": ["64"],
        "65-66": ["65", "66"],
        "69": ["69"],
        "70": ["70"],
        "71": ["71"],
        "72-73": ["72", "73"],
        "74": ["74"],
    }
    estimate = 0.0
    for row, divisions in rows.items():
        in_row = jobs[jobs.index.str[:2].isin(divisions)]
        estimate += camden[row] * in_row[in_row.index.isin(codes)].sum() / in_row.sum()
    assert values["TLI31"] == pytest.approx(estimate / (camden["Total"] - camden["68IMP"]), rel=1e-12)
    assert values["TLI31"] == pytest.approx(0.64753, abs=1e-5)


def test_itl2_lq_matches_bres_by_hand(warehouse: Warehouse) -> None:
    values, info = hotspot_values(warehouse, measure="lq", cluster="ev_batteries", level="itl2", year=2021)
    assert info["basis"] == "employment: bres_itl2_sic5"
    bres = pd.read_parquet(data_dir() / "bres_itl2_sic5.parquet")
    bres = bres[bres["year"] == 2021]
    codes = ["27200", "29100", "29310", "29320"]
    cluster = bres[bres["industry_code"].isin(codes)].groupby("area_code")["value"].sum()
    total = bres.groupby("area_code")["value"].sum()
    expected = (cluster / total) / (cluster.sum() / total.sum())
    assert values["TLG3"] == pytest.approx(expected["TLG3"], rel=1e-12)
    assert values["TLG3"] == pytest.approx(4.5123, abs=1e-4)


def test_gva_is_not_published_for_local_authorities(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="GVA by industry is published down to ITL3"):
        hotspot_values(warehouse, measure="gva", cluster=PFS, level="lad")


def test_itl3_employment_needs_local_data(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="clusterplan data import FILE --format nomis"):
        hotspot_values(warehouse, measure="employment", cluster=PFS, level="itl3", year=2021)


def test_unknown_measure_and_cluster(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="measure must be one of"):
        hotspot_values(warehouse, measure="jobs", cluster=PFS)
    with pytest.raises(Exception, match="unknown cluster of wmca_plan_for_growth 'pharma'"):
        hotspot_values(warehouse, measure="lq", cluster="pharma", level="itl2")


# -- statistics on the real data -------------------------------------------------------------------------------------
def test_professional_services_share_is_clustered_with_london_hh(pfs_share: HotspotResult) -> None:
    assert pfs_share.moran_i == pytest.approx(0.17252, abs=1e-5)
    assert pfs_share.moran_expected == pytest.approx(-1 / 167)
    assert pfs_share.moran_p == pytest.approx(0.003)
    assert pfs_share.moran_z == pytest.approx(3.333, abs=1e-3)
    table = pfs_share.table.set_index("area_code")
    classes = table.loc[table["lisa_class"] != "not significant", "lisa_class"].to_dict()
    assert classes == {
        "TLI31": "HH",  # Camden and City of London
        "TLI41": "HH",  # Hackney and Newham
        "TLI42": "HH",  # Tower Hamlets (Canary Wharf)
        "TLI44": "HH",  # Lewisham and Southwark
        "TLI45": "LH",  # Lambeth: lower, among high
        "TLL12": "LL",  # Gwynedd
        "TLL24": "LL",  # Powys
    }
    hot = set(table.index[table["hotspot"] == "hot spot"])
    assert hot == {"TLI31", "TLI41", "TLI42", "TLI44", "TLI45"}
    assert table.loc["TLI31", "gi_star_z"] == pytest.approx(5.7191, abs=1e-4)
    # Westminster is high among high but not significant once 168 tests are controlled for.
    assert table.loc["TLI32", "quadrant"] == "HH" and table.loc["TLI32", "lisa_class"] == "not significant"
    assert list(pfs_share.table.columns) == HOTSPOT_COLUMNS


def test_ev_batteries_lq_hotspot_is_the_west_midlands(warehouse: Warehouse) -> None:
    result = hotspots(warehouse, measure="lq", cluster="ev_batteries", level="itl2", year=2021)
    assert result.moran_i == pytest.approx(0.346, abs=1e-3) and result.moran_p < 0.01
    table = result.table.set_index("area_code")
    assert set(table.index[table["lisa_class"] == "HH"]) == {"TLG2", "TLG3"}
    assert result.islands.empty


def test_false_discovery_rate_control(pfs_share: HotspotResult) -> None:
    table = pfs_share.table
    p = table["local_moran_p"].to_numpy()
    # 23 areas have a raw pseudo p below 0.05; 7 survive Benjamini-Hochberg at 5%.
    assert int((p < 0.05).sum()) == 23 and int(table["local_moran_significant"].sum()) == 7
    threshold = esda.fdr(p, 0.05)
    assert pfs_share.parameters["local_moran_p_threshold"] == pytest.approx(threshold)
    assert (table["local_moran_significant"] == (table["local_moran_p_fdr"] < 0.05)).all()
    # BH by hand: sort, scale by m / rank, take the running minimum from the top.
    order = np.argsort(p)
    scaled = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1)
    expected = np.empty_like(adjusted)
    expected[order] = adjusted
    assert np.allclose(table["local_moran_p_fdr"], expected)
    with_gap = benjamini_hochberg([0.01, np.nan, 0.04])
    assert with_gap[0] == pytest.approx(0.02) and np.isnan(with_gap[1]) and with_gap[2] == pytest.approx(0.04)


def test_fixed_seed_is_reproducible_and_the_seed_matters() -> None:
    fc = load_boundaries("itl2")
    codes = _gb("itl2")
    values = pd.Series(np.arange(len(codes), dtype=float) % 7, index=codes)
    first = spatial_autocorrelation(values, fc, permutations=199, seed=7)
    again = spatial_autocorrelation(values, fc, permutations=199, seed=7)
    other = spatial_autocorrelation(values, fc, permutations=199, seed=8)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.moran_p == again.moran_p
    assert not np.array_equal(first.table["local_moran_p"], other.table["local_moran_p"])
    assert first.moran_i == other.moran_i  # the statistic itself does not depend on the seed


def test_drop_rule_marks_islands_not_tested(warehouse: Warehouse) -> None:
    result = hotspots(
        warehouse, measure="share", cluster=PFS, level="itl3", year=2021, islands="drop", permutations=199
    )
    table = result.table.set_index("area_code")
    assert result.parameters["areas_tested"] == 163
    assert (table.loc[["TLJ34", "TLL11", "TLM64", "TLM65", "TLM66"], "lisa_class"] == "not tested").all()
    assert np.isnan(table.loc["TLM66", "local_moran_i"]) and table.loc["TLM66", "value"] > 0


def test_missing_values_and_constant_values() -> None:
    fc = load_boundaries("itl2")
    codes = _gb("itl2")
    with pytest.raises(ParameterError, match="do not vary"):
        spatial_autocorrelation(pd.Series(1.0, index=codes), fc, permutations=99)
    with pytest.raises(ParameterError, match="only 3 areas have a value"):
        spatial_autocorrelation(pd.Series([1.0, 2.0, 3.0], index=codes[:3]), fc)
    values = pd.Series(np.arange(len(codes), dtype=float), index=codes)
    values["TLG3"] = np.nan
    result = spatial_autocorrelation(values, fc, permutations=99)
    assert result.excluded == ["TLG3"] and "TLG3" not in set(result.table["area_code"])


def test_lad_level_on_real_local_unit_counts() -> None:
    """LAD-level statistics on a published LAD table: the share of local units in information and
    communication (ONS UK business 2017). LADs whose codes changed since 2017 have no value, which cuts the
    map into pieces: the island rule joins them back and says so."""
    frame = pd.read_parquet(data_dir() / "ons_business_2017_area_broad_groups.parquet")
    units = frame[frame["measure"] == "local_units"]
    share = (
        units[units["industry_code"] == "58-63"].set_index("area_code")["value"]
        / units.groupby("area_code")["value"].sum()
    )
    share = share[share.index.isin(_gb("lad"))]
    assert len(share) == 335
    result = spatial_autocorrelation(share, load_boundaries("lad"), permutations=199, seed=12345, names=_names("lad"))
    assert result.moran_i == pytest.approx(0.7710, abs=1e-4) and result.moran_p == pytest.approx(0.005)
    table = result.table.set_index("area_code")
    assert table.loc["E09000001", "lisa_class"] == "HH"  # City of London
    assert table.loc["E06000041", "lisa_class"] == "HH"  # Wokingham (Thames Valley)
    links = result.islands.set_index("area_code")
    assert links.loc["E06000053", "attached_to"] == "E06000052"  # Isles of Scilly -> Cornwall
    # Cumbria's and North Yorkshire's new authorities have no 2017 value: Scotland and the North East become a
    # separate group, joined by one link.
    assert links.loc["S12000036", "action"] == "attached"


# -- outputs ---------------------------------------------------------------------------------------------------------
def test_geojson_layer(pfs_share: HotspotResult) -> None:
    layer = pfs_share.to_geojson(load_boundaries("itl3"))
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 168
    camden = next(f for f in layer["features"] if f["id"] == "TLI31")
    assert camden["properties"]["lisa_class"] == "HH" and camden["geometry"]["type"] in ("Polygon", "MultiPolygon")
    meta = layer["clusterplan"]
    assert meta["global_moran"]["moran_i"] == pytest.approx(pfs_share.moran_i)
    assert meta["parameters"]["seed"] == 12345 and meta["parameters"]["islands"] == "attach"
    assert {i["area_code"] for i in meta["islands"]} == {"TLJ34", "TLL11", "TLM64", "TLM65", "TLM66"}
    json.dumps(layer, allow_nan=False)  # no NaN in the file


def test_svg_map_is_well_formed_and_labelled(pfs_share: HotspotResult) -> None:
    svg = hotspot_map_svg(pfs_share)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f".//{ns}path")
    assert len(paths) == 2 * 168 + 2 * 21  # both panels, plus the London inset (21 ITL3 areas) twice
    texts = [t.text or "" for t in root.iter(f"{ns}text")]
    assert "London, enlarged" in texts
    assert "HH high among high (4)" in texts and "LL low among low (2)" in texts
    assert sum(t == "HH" for t in texts) == 4
    assert root.find(f"{ns}title") is not None and "Professional and financial services" in svg
    assert len(root.findall(f".//{ns}line")) == 2 * 5  # island links drawn in both panels


def test_cli_writes_csv_geojson_and_map(tmp_path: Path, cli_warehouse: Path) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(cli_warehouse)}
    out = tmp_path / "ev.csv"
    done = run_cli(
        "hotspots",
        "--measure",
        "lq",
        "--cluster",
        "Electric light vehicles and batteries",
        "--level",
        "itl2",
        "--year",
        "2021",
        "--out",
        str(out),
        "--quiet",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "global Moran's I = 0.346" in done.stdout and "HH: Shropshire and Staffordshire (TLG2)" in done.stdout
    table = pd.read_csv(out)
    assert len(table) == 40 and table.set_index("area_code").loc["TLG3", "lisa_class"] == "HH"
    assert json.loads(out.with_suffix(".json").read_text())["global_moran"]["moran_p"] < 0.01
    assert out.with_suffix(".svg").read_text().startswith("<svg")


def test_cli_maps_us_cbsas_on_published_or_rebuilt_cells(tmp_path: Path, cli_warehouse: Path) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(cli_warehouse)}
    values = {}
    for cells in ("published", "reconstructed"):
        out = tmp_path / f"automotive_{cells}.csv"
        done = run_cli("hotspots", "--measure", "lq", "--cluster", "automotive", "--level", "cbsa", "--cells", cells,
                       "--permutations", "99", "--no-map", "--out", str(out), "--quiet", env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        values[cells] = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code").loc["19820", "value"]
        assert json.loads(out.with_suffix(".json").read_text())["parameters"]["cells"] == cells
    # Detroit's automotive LQ: 17.08 when the national total misses the withheld cells, 8.22 with them rebuilt.
    assert values == {"published": pytest.approx(17.0814, abs=1e-4), "reconstructed": pytest.approx(8.2215, abs=1e-4)}


def test_cli_errors_are_one_line(tmp_path: Path, cli_warehouse: Path) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(cli_warehouse)}
    done = run_cli(
        "hotspots", "--measure", "lq", "--cluster", "ev_batteries", "--out", str(tmp_path / "x.txt"), env=env
    )
    assert done.returncode == 2 and "--out must end in .csv or .geojson" in done.stderr
    done = run_cli(
        "hotspots",
        "--measure",
        "gva",
        "--cluster",
        "ev_batteries",
        "--level",
        "lad",
        "--out",
        str(tmp_path / "x.csv"),
        env=env,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "GVA by industry is published down to ITL3" in done.stderr


# -- all clusters at once --------------------------------------------------------------------------------------------
def test_all_clusters_at_once_give_each_cluster_its_own_result(warehouse: Warehouse) -> None:
    """One read and one set of permutation draws for every cluster: each map is exactly the one-cluster map."""
    clusters = ["professional_financial_services", "ev_batteries", "aerospace", "logistics"]
    for level, measure in (("itl3", "share"), ("itl2", "lq")):
        together = hotspots_by_cluster(
            warehouse, measure=measure, clusters=clusters, level=level, year=2021, permutations=199, seed=3
        )
        assert list(together) == clusters
        for cluster in clusters:
            alone = hotspots(
                warehouse, measure=measure, cluster=cluster, level=level, year=2021, permutations=199, seed=3
            )
            result = together[cluster]
            assert isinstance(result, HotspotResult)
            pd.testing.assert_frame_equal(result.table, alone.table, check_exact=True)
            assert (result.moran_i, result.moran_p, result.moran_z) == (alone.moran_i, alone.moran_p, alone.moran_z)
            assert result.parameters == alone.parameters and result.excluded == alone.excluded


def test_statistics_are_esdas_on_the_same_draws() -> None:
    """The vectorised statistics reproduce esda's Moran, Moran_Local and G_Local(star) with the same seed."""
    fc = load_boundaries("itl3")
    codes = _gb("itl3")
    rng = np.random.default_rng(11)
    values = pd.Series(rng.gamma(2.0, size=len(codes)), index=codes).sort_index()
    values.iloc[::5] = 0.0  # ties in the draws, as areas without a cluster give
    ours = spatial_autocorrelation(values, fc, permutations=199, seed=42)
    w = contiguity_weights(fc, list(values.index)).w
    y = values.reindex(w.id_order).to_numpy()
    state = np.random.get_state()
    np.random.seed(42)
    moran = esda.Moran(y, w, transformation="r", permutations=199)
    np.random.set_state(state)
    with pytest.warns(DeprecationWarning):
        local = esda.Moran_Local(y, w, transformation="r", permutations=199, seed=42, n_jobs=1)
    with pytest.warns(DeprecationWarning):
        gi = esda.G_Local(y, w, transform="B", permutations=199, star=True, seed=42, n_jobs=1)
    table = ours.table.set_index("area_code").loc[w.id_order]
    assert (ours.moran_i, ours.moran_p) == (pytest.approx(moran.I, rel=1e-12), moran.p_sim)
    assert ours.moran_z == pytest.approx(moran.z_sim, rel=1e-9)
    assert np.array_equal(table["local_moran_p"].to_numpy(), local.p_sim)
    assert np.allclose(table["local_moran_i"].to_numpy(), local.Is, rtol=1e-12)
    assert np.array_equal(table["gi_star_p"].to_numpy(), gi.p_sim)
    assert np.allclose(table["gi_star_z"].to_numpy(), gi.Zs, rtol=1e-12)
    assert [QUADRANTS[int(q)] for q in local.q] == table["quadrant"].tolist()


def test_us_values_of_a_named_year_are_the_latest_years_and_an_absent_year_is_refused(warehouse: Warehouse) -> None:
    options = {"measure": "lq", "cluster": "automotive", "taxonomy": "us_cmp_traded_2014", "level": "cbsa"}
    latest, info = hotspot_values(warehouse, **options)
    named, named_info = hotspot_values(warehouse, **options, year=int(info["year"]))
    pd.testing.assert_series_equal(named, latest)
    assert named_info == info and info["year"] == 2019 and named.loc["19820"] == pytest.approx(8.2215, abs=1e-4)
    # A year without facts is found out from the facts' years, as before (they are read only then).
    with pytest.raises(UnknownCodeError, match=r"unknown year '2031'; valid choices: 2019"):
        hotspot_values(warehouse, **options, year=2031)
