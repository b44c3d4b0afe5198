"""Write tests/durations.json from a pytest JUnit XML report (the suite's order).

    .venv/bin/python -m pytest -n 2 --dist loadgroup --junitxml=/tmp/suite.xml
    python3 tools/test_durations.py /tmp/suite.xml

``tests/conftest.py`` hands the longest tests out first (longest processing
time first keeps both xdist workers busy to the end); only tests of at least
``MIN_SECONDS`` are kept, the rest count as short. Rerun it when the heavy
tests change; a missing or stale entry only costs some balance, never a result.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "durations.json"
MIN_SECONDS = 1.0


def node_id(classname: str, name: str) -> str | None:
    """``tests.ui.test_run`` + ``test_x[1]`` -> ``tests/ui/test_run.py::test_x[1]``."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):  # the longest prefix that is a file; the rest a class
        path = Path(*parts[:cut]).with_suffix(".py")
        if (ROOT / path).is_file():
            return "::".join([path.as_posix(), *parts[cut:], name])
    return None


def main(report: str) -> int:
    """Read ``report``, write OUT; 0 on success."""
    durations: dict[str, float] = {}
    for case in ET.parse(report).iter("testcase"):
        seconds = float(case.get("time") or 0.0)
        node = node_id(case.get("classname") or "", case.get("name") or "")
        if node is not None and seconds >= MIN_SECONDS:
            durations[node] = round(seconds, 1)
    OUT.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n",
                   encoding="utf-8")
    print(f"{len(durations)} tests of at least {MIN_SECONDS} s written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
