"""Everything a run hands to a reader: the run folder, ``report.html``, its charts and ``workbook.xlsx``.

``_folder`` writes a run folder (:func:`write_run_outputs`); ``_html`` builds the
self-contained interactive report from a :class:`ReportData` (the tables of one
run, in memory or read back from its folder); ``_charts`` draws its charts
and maps; ``_svg`` draws the static SVG priority chart and hotspot map;
``workbook`` writes the Excel workbook; ``templates/`` holds the page's HTML,
CSS and JavaScript.
"""

from ._folder import run_report_data, write_run_outputs, write_tables
from ._html import (
    CORE_TABLES,
    RUN_TABLES,
    SIGNIFICANT_DIGITS,
    ReportData,
    TableSpec,
    read_run_folder,
    render_report,
    report_data,
)
from ._svg import hotspot_map_svg, priority_chart_svg
from .workbook import write_workbook

__all__ = [
    "CORE_TABLES",
    "RUN_TABLES",
    "SIGNIFICANT_DIGITS",
    "ReportData",
    "TableSpec",
    "hotspot_map_svg",
    "priority_chart_svg",
    "read_run_folder",
    "render_report",
    "report_data",
    "run_report_data",
    "write_run_outputs",
    "write_tables",
    "write_workbook",
]
