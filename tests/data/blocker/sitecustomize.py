"""For tests: make the Python packages named in CSRM_BLOCK (comma-separated) fail to import,
as on a QGIS without them. Put this folder first on PYTHONPATH."""

import importlib.abc
import os
import sys

BLOCK = {n for n in os.environ.get("CSRM_BLOCK", "").split(",") if n}


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCK:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


if BLOCK:
    sys.meta_path.insert(0, _Blocker())
