"""tests/back: the timing-less rig of tests/lab (``lab_rig.Rig``) drives a whole backend in the
value tests of the data paths, rings and loop (added for mutation testing, issue 14)."""

from __future__ import annotations

import sys
from pathlib import Path

_LAB = str(Path(__file__).parent.parent / "lab")
if _LAB not in sys.path:
    sys.path.insert(0, _LAB)
