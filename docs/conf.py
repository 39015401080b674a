"""Sphinx configuration of the clusterplan documentation (build: sphinx-build -W -b html docs docs/_build/html)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent / "src"))

# The tutorials read the embedded data through a warehouse of their own, built on first use in the build folder.
os.environ.setdefault("CLUSTERPLAN_WAREHOUSE", str(HERE / "_build" / "warehouse.duckdb"))

import clusterplan  # noqa: E402

project = "clusterplan"
author = "clusterplan developers"
copyright = "clusterplan developers; code Apache-2.0, data under the licences in NOTICE"
release = clusterplan.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "executed",
]

autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

templates_path: list[str] = []
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_title = f"clusterplan {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
}
html_static_path: list[str] = []
# MathJax comes with the theme's pages from a CDN when a reader opens them; the build itself needs no network.

#: The public API: each package's ``__all__``, one reference page per package (written at every build, so the
#: reference follows the code).
API_PACKAGES = {
    "clusterplan": "The top-level API: warehouse, profiles, the main measures and taxonomies.",
    "clusterplan.measures": "Competitiveness measures: location quotients, growth, shift-share, specialisation, "
    "strength, ranks and productivity.",
    "clusterplan.relatedness": "Relatedness and economic complexity, growth opportunities, related clusters and "
    "data-driven cluster definitions.",
    "clusterplan.inputoutput": "Input-output models: national, regionalised (SLQ, CILQ, FLQ, AFLQ), cluster supply "
    "chains and impacts.",
    "clusterplan.geography": "Sub-regional breakdowns, spatial statistics and hotspots, firm agglomerations.",
    "clusterplan.scenarios": "Baseline forecasts, differential-growth scenarios, uncertainty, priorities and "
    "backtests.",
    "clusterplan.taxonomy": "Cluster definitions and the traded/local classification.",
}


def _write_api_pages() -> None:
    import importlib

    import shutil

    folder = HERE / "api"
    shutil.rmtree(folder / "generated", ignore_errors=True)  # no page of a name that left the API
    seen: set[int] = set()  # an object re-exported by a later package is documented once, where first listed
    for package, summary in API_PACKAGES.items():
        module = importlib.import_module(package)
        names = []
        for name in sorted(n for n in getattr(module, "__all__", []) if not n.startswith("_")):
            obj = getattr(module, name)
            if callable(obj) and id(obj) in seen:
                continue
            seen.add(id(obj))
            names.append(name)
        title = f"``{package}``"
        lines = [
            title,
            "=" * len(title),
            "",
            summary,
            "",
            f".. currentmodule:: {package}",
            "",
            ".. autosummary::",
            "   :toctree: generated",
            "",
            *(f"   {name}" for name in names),
            "",
        ]
        text = "\n".join(lines)
        target = folder / f"{package}.rst"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


_write_api_pages()
