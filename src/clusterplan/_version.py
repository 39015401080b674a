"""The version of clusterplan (one place, so no module needs the package root to know it)."""

__version__ = "0.1.0"
