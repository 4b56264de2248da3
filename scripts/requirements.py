"""Print the project's requirements from pyproject.toml, one a line: `python scripts/requirements.py ray,cuda`.

The image installs these in a layer of their own before the source is copied in (scripts/setup.sh
DEPS_ONLY=1), so that a change to the code does not reinstall torch.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [name for name in extras if name not in optional]
    if unknown:
        raise SystemExit(f"error: {pyproject}: no extra named {', '.join(unknown)}")
    return list(project["dependencies"]) + [req for name in extras for req in optional[name]]


if __name__ == "__main__":
    wanted = [name for name in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if name]
    print("\n".join(requirements(Path(__file__).resolve().parent.parent / "pyproject.toml", wanted)))
