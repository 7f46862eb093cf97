"""MkDocs hooks (``mkdocs.yml``: ``hooks``): the pages generated from the product itself.

Each build adds, without writing into ``docs/``:

- ``ontology-reference.md``: the output of the product's own ``kg ontology docs`` command, run
  on the checkout's ontology files (``kg/ontology/data``), so the page is never stale;
- ``api-reference.md`` and ``openapi.json``: the app's OpenAPI schema, rendered as Markdown
  tables by :mod:`tools.openapi_markdown` and copied as it is;
- ``settings-reference.md``: every field of :class:`kg.settings.Settings`
  (:mod:`tools.settings_markdown`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
# MkDocs loads this file by path and restores sys.path afterwards, and tools/ is not installed:
# its sibling modules are imported now, while the checkout is on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools.openapi_markdown import render as render_api  # noqa: E402
from tools.settings_markdown import render as render_settings  # noqa: E402

ONTOLOGY_DATA = ROOT / "kg" / "ontology" / "data"


def ontology_reference() -> str:
    """``kg ontology docs`` on the checkout's ontology, its Markdown page read back."""
    with tempfile.TemporaryDirectory(prefix="kg-ontology-docs-") as out:
        subprocess.run([sys.executable, "-m", "kg", "ontology", "docs", "--out", out,
                        "--dir", str(ONTOLOGY_DATA)],
                       check=True, capture_output=True, cwd=ROOT,
                       env={**os.environ, "NO_COLOR": "1"})
        return (Path(out) / "ontology-reference.md").read_text(encoding="utf-8")


def openapi_schema() -> dict[str, Any]:
    """The app's OpenAPI document, as ``/openapi.json`` serves it (no server is started)."""
    from kg.settings import Settings
    from kg_api.main import create_app

    schema: dict[str, Any] = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
    return schema


def generated_files() -> dict[str, str]:
    """Site path -> content of every generated file."""
    schema = openapi_schema()
    return {
        "ontology-reference.md": ontology_reference(),
        "api-reference.md": render_api(schema),
        "openapi.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n",
        "settings-reference.md": render_settings(),
    }


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated files; a copy of one left in ``docs/`` (``kg ontology docs --out
    docs`` writes one there, git ignores it) gives way to the fresh one."""
    for path, content in generated_files().items():
        stale = files.get_file_from_path(path)
        if stale is not None:
            files.remove(stale)
        files.append(File.generated(config, path, content=content))
    return files
