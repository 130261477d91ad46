"""The build's one step beyond pyproject.toml: the installed knowledge base gets its parsed
snapshot (advisor/knowledge/snapshot.py), so that loading it does not parse YAML again."""

import sys
import types
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithSnapshot(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the YAML
            return
        sys.path.insert(0, str(ROOT))
        try:
            import advisor  # noqa: F401  (light: its version only)

            # advisor.knowledge's __init__ loads the whole engine; the snapshot needs only
            # its YAML reader, so the package is entered without running it
            package = types.ModuleType("advisor.knowledge")
            package.__path__ = [str(ROOT / "advisor" / "knowledge")]
            sys.modules.setdefault("advisor.knowledge", package)
            from advisor.knowledge.snapshot import write_snapshot

            write_snapshot(Path(self.build_lib) / "advisor_knowledgebase")
        finally:
            sys.path.remove(str(ROOT))


setup(cmdclass={"build_py": BuildWithSnapshot})
