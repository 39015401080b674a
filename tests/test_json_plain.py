"""clusterplan._json.plain: the leaves it returns as they are (taken first, by exact type) and the rest."""

from __future__ import annotations

import enum
import math

import numpy as np
import pandas as pd

from clusterplan._json import plain


class _Text(enum.StrEnum):
    A = "a"


def test_plain_leaves_keep_their_values_and_types() -> None:
    value = {
        "text": "é",
        "int": 2**62,
        "bool": True,
        "float": -0.0,
        "nan": float("nan"),
        "inf": float("inf"),
        "np_float": np.float64(1.5),
        "np_nan": np.float64("nan"),
        "np_int": np.int64(3),
        "np_bool": np.bool_(False),
        "enum": _Text.A,
        "none": None,
        "na": pd.NA,
        "tuple": (1, 2.5, "x"),
        1: "key made text",
    }
    found = plain(value)
    assert found == {
        "text": "é",
        "int": 2**62,
        "bool": True,
        "float": 0.0,
        "nan": None,
        "inf": None,
        "np_float": 1.5,
        "np_nan": None,
        "np_int": 3,
        "np_bool": False,
        "enum": _Text.A,
        "none": None,
        "na": None,
        "tuple": [1, 2.5, "x"],
        "1": "key made text",
    }
    assert type(found["bool"]) is bool and type(found["int"]) is int and type(found["np_int"]) is int
    assert math.copysign(1.0, found["float"]) == -1.0  # returned as it is
    assert type(found["np_float"]) is float and type(found["np_bool"]) is bool
    assert found["enum"] is _Text.A  # a str subclass is returned as it is, as before
    # Not finite: left for the caller's writer.
    kept = plain({"nan": float("nan"), "inf": float("-inf")}, finite=False)
    assert math.isnan(kept["nan"]) and kept["inf"] == float("-inf")
