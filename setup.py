"""Build glue that pyproject.toml cannot express: the wheel carries what `maestro` reads.

build_py copies the knowledge base (data/, with data/examples/), manifest.json, AGENTS.md,
CLAUDE.md and the kept releases' files (ids.json, editions.json, engagement schemas) into the built package as
``maestro/_bundle/``; ``maestro.paths`` finds them there when the package is installed.
Editable installs skip the copy and read the clone itself. Metadata is in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE_FILES = ("manifest.json", "AGENTS.md", "CLAUDE.md")


class build_py_with_bundle(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dst = Path(self.build_lib) / "maestro" / "_bundle"
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(HERE / "data", dst / "data", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
        for name in BUNDLE_FILES:
            if (HERE / name).is_file():
                shutil.copy2(HERE / name, dst / name)
        for f in sorted((HERE / "releases").glob("*/*.json")):
            (dst / "releases" / f.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dst / "releases" / f.parent.name / f.name)


setup(cmdclass={"build_py": build_py_with_bundle})
