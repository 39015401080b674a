"""US Cluster Mapping definitions: real slices (tests/fixtures/cluster_mapping) and the built tables."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import clusterplan
from clusterplan._exceptions import DataValidationError
from clusterplan.sources.cluster_mapping import read_clusters_2007, read_sub_clusters_2007, read_traded_clusters

FIXTURES = Path(__file__).parent / "fixtures" / "cluster_mapping"
TRADED_SLICE = FIXTURES / "cmp_traded_clusters_slice.csv"
JSON_SLICE = FIXTURES / "clusters-list_slice.json"
CSV_2007_SLICE = FIXTURES / "naics2007_to_cluster_slice.csv"
DATA = Path(clusterplan.__file__).parent / "data"


def _built(name: str) -> pd.DataFrame:
    path = DATA / f"{name}.parquet"
    if not path.exists():
        pytest.skip(f"{path.name} not built; run the 'us' builder")
    return pd.read_parquet(path)


# --- current traded clusters --------------------------------------------------------------------


def test_traded_slice():
    traded = read_traded_clusters(TRADED_SLICE)
    assert list(traded.columns) == ["cluster_id", "cluster_name", "naics_code"]
    assert len(traded) == 22
    assert traded.groupby("cluster_id").size().to_dict() == {5: 4, 38: 15, 43: 3}
    by_code = traded.set_index("naics_code")
    assert by_code.loc["325211", "cluster_name"] == "Plastics"
    assert by_code.loc["325411", "cluster_id"] == 5
    assert traded["cluster_id"].dtype == "int64"
    assert traded.iloc[0].tolist() == [5, "Biopharmaceuticals", "325411"]


def test_built_traded_clusters():
    traded = _built("cmp_traded_clusters")
    assert traded["cluster_id"].nunique() == 51
    assert len(traded) == 787 and traded["naics_code"].is_unique
    assert traded["cluster_id"].min() == 1 and traded["cluster_id"].max() == 51
    sizes = traded.groupby("cluster_name").size()
    assert sizes["Distribution and Electronic Commerce"] == 63
    assert sizes["Tobacco"] == 3


def _bad_traded(extra: str) -> DataValidationError:
    text = TRADED_SLICE.read_text() + extra
    with pytest.raises(DataValidationError) as info:
        read_traded_clusters(io.StringIO(text), file_label="traded.csv")
    return info.value


def test_traded_code_in_two_clusters():
    error = _bad_traded("5,Biopharmaceuticals,325211\n")
    message = str(error)
    assert error.code == "325211" and error.row == 23
    assert "traded.csv, row 23" in message
    assert "NAICS 325211 is in two clusters: 38 'Plastics' (row 14) and 5 'Biopharmaceuticals'" in message


def test_traded_code_twice_in_one_cluster():
    error = _bad_traded("38,Plastics,325211\n")
    assert "NAICS 325211 is listed twice in cluster 38 'Plastics'" in str(error)


def test_traded_bad_values():
    error = _bad_traded("43,Tobacco,31222\n")
    assert error.row == 23 and "'31222' is not a 6-digit NAICS code" in str(error)
    error = _bad_traded("43,Tobacco Products,312230\n")
    assert error.row == 23 and "cluster 43 is named 'Tobacco Products' here and 'Tobacco' earlier" in str(error)
    error = _bad_traded("X3,Tobacco,312230\n")
    assert "cluster id 'X3' is not a whole number" in str(error)


def test_traded_missing_column():
    with pytest.raises(DataValidationError, match=r"traded.csv: missing column\(s\) naics"):
        read_traded_clusters(io.StringIO("cluster_id,cluster_name\n1,Aerospace\n"), file_label="traded.csv")


# --- 2007-vintage clusters ----------------------------------------------------------------------


def test_clusters_2007_json_slice():
    clusters = read_clusters_2007(JSON_SLICE)
    assert list(clusters.columns) == ["cluster_id", "cluster_key", "cluster_name", "cluster_type", "naics_code"]
    assert len(clusters) == 17
    types = clusters.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_type"].to_dict()
    assert types == {39: "traded", 48: "traded", 113: "local", 1011: "traded"}
    assert clusters.loc[clusters["cluster_id"] == 1011, "naics_code"].tolist() == ["721120"]
    assert clusters.loc[clusters["naics_code"] == "611110", "cluster_name"].item() == "Local Education and Training"


def test_clusters_2007_json_equals_flat_csv():
    assert read_clusters_2007(JSON_SLICE).equals(read_clusters_2007(CSV_2007_SLICE))


def test_sub_clusters_2007_slice():
    subs = read_sub_clusters_2007(JSON_SLICE)
    assert subs.groupby("cluster_id").size().to_dict() == {39: 3, 48: 4, 113: 3}  # 1011 has the {"": ""} placeholder
    assert subs[(subs["cluster_id"] == 48) & (subs["sub_cluster_id"] == 1003)]["sub_cluster_name"].item() == (
        "Tobacco Processing"
    )


def test_built_clusters_2007():
    clusters = _built("cmp_clusters_2007")
    per_cluster = clusters.drop_duplicates("cluster_id")
    assert len(per_cluster) == 67
    assert (per_cluster["cluster_type"] == "local").sum() == 16
    assert sorted(per_cluster.loc[per_cluster["cluster_type"] == "local", "cluster_id"]) == list(range(101, 117))
    assert len(clusters) == 1099 and clusters["naics_code"].is_unique
    # The key is not unique: two clusters are "agricultural_products".
    assert sorted(per_cluster.loc[per_cluster["cluster_key"] == "agricultural_products", "cluster_id"]) == [11, 1001]
    subs = _built("cmp_sub_clusters_2007")
    assert len(subs) == 363 and subs["cluster_id"].nunique() == 60


def test_clusters_2007_duplicate_code_names_both_clusters():
    text = CSV_2007_SLICE.read_text() + "48,tobacco,Tobacco,traded,325411\n"
    with pytest.raises(DataValidationError) as info:
        read_clusters_2007(io.StringIO(text), file_label="naics2007.csv")
    assert "naics2007.csv, row 18" in str(info.value)
    assert "NAICS 325411 is in two clusters: 39 'Biopharmaceuticals' (row 9) and 48 'Tobacco'" in str(info.value)


def test_clusters_2007_bad_json():
    with pytest.raises(DataValidationError, match="expected a JSON list of cluster objects"):
        read_clusters_2007(io.StringIO('[{"id": 1}, 2]'), file_label="c.json")
    with pytest.raises(
        DataValidationError, match=r"c.json, row 1, code 'clusterData/8': cluster object lacks naics_txt"
    ):
        read_clusters_2007(io.StringIO('[{"id": "clusterData/8", "key_t": "k", "name_t": "n"}]'), file_label="c.json")
    with pytest.raises(DataValidationError, match="cluster id 'clusterData/x' does not end in a number"):
        read_clusters_2007(
            io.StringIO('[{"id": "clusterData/x", "key_t": "k", "name_t": "n", "naics_txt": ["111110"]}]'),
            file_label="c.json",
        )
    with pytest.raises(DataValidationError, match="not readable JSON"):
        read_clusters_2007(io.StringIO("[{"), file_label="c.json")


def test_clusters_2007_bad_type():
    text = CSV_2007_SLICE.read_text() + "48,tobacco,Tobacco,export,312230\n"
    with pytest.raises(DataValidationError, match=r"row 18, column 'cluster_type': cluster_type 'export' is not"):
        read_clusters_2007(io.StringIO(text), file_label="naics2007.csv")
