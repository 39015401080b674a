"""``.. executed::``: run a tutorial's Python at build time and show the code with what it printed.

The blocks of one page share a namespace, run in order. An exception (including a failed ``assert`` that checks a
headline number) stops the build, so a tutorial that no longer runs, or whose numbers moved, cannot be published.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective


class ExecutedDirective(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        namespaces: dict[str, dict[str, Any]] = self.env.temp_data.setdefault("executed_namespaces", {})
        namespace = namespaces.setdefault(self.env.docname, {"__name__": f"tutorial_{self.env.docname}"})
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"<{self.env.docname}:{self.lineno}>", "exec"), namespace)
        except Exception as exc:
            raise ExtensionError(
                f"{self.env.docname}, line {self.lineno}: the tutorial code failed:\n{traceback.format_exc()}"
            ) from exc
        shown = nodes.literal_block(code, code, language="python")
        result: list[nodes.Node] = [shown]
        output = printed.getvalue().rstrip()
        if output:
            out = nodes.literal_block(output, output, language="text", classes=["executed-output"])
            result.append(out)
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("executed", ExecutedDirective)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
