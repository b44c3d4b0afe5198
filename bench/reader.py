"""How long the .sdsim reader takes on hostile files up to the size limit.

Each case builds one file (most of them close to ``MAX_FILE_BYTES``) and times
``fileformat.loads`` on it: the median of a few rounds, wall clock and CPU time
of this process (the machine is shared: CPU time is what an idle core would
take), plus the peak memory the read allocated (tracemalloc, one extra round).
Every case must end in a Document or a one-line DocumentError; the target is
well under 3 s each.

    .venv/bin/python bench/reader.py            # all cases
    .venv/bin/python bench/reader.py deep       # cases whose name contains "deep"

Results are written up in docs/benchmarks.md ("Reading hostile files").
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.model.errors import DocumentError
from app.model.fileformat import loads
from app.model.limits import MAX_COMPONENTS, MAX_FILE_BYTES, MAX_LINKS

ROUNDS = 3
LIMIT = MAX_FILE_BYTES - 1024  # just under the size limit
HEAD = '{"format": "sdsim", "version": 1, '


def _fill(prefix: str, unit: str, suffix: str) -> str:
    count = (LIMIT - len(prefix) - len(suffix)) // len(unit)
    return prefix + unit * count + suffix


def unterminated_80k() -> str:
    # The reported case: an unterminated string full of escaped quotes made
    # the old regular-expression pre-check quadratic (61 s).
    return HEAD + '"name": "' + '\\"x' * 27_000


def unterminated_20m() -> str:
    return _fill(HEAD + '"name": "', '\\"x', "")


def deep_lists_20m() -> str:
    return _fill("", "[", "")


def deep_objects_20m() -> str:
    return _fill(HEAD + '"name": ', '{"a": ', "")


def deep_then_closed() -> str:
    return HEAD + '"name": ' + "[" * 60 + "]" * 60 + "}"


def many_unknown_keys() -> str:
    count = (LIMIT - 200) // len('"k0000000": 1, ')
    keys = "".join(f'"k{i:07d}": 1, ' for i in range(count))
    return HEAD + '"components": [{"id": "a", "type": "web_server", ' + keys + '"x": 1}]}'



def many_duplicate_keys() -> str:
    return HEAD + '"components": [' + _fill('{"id": "a", "type": "web_server", ',
                                             '"replicas": 1, ', '"x": 1}') + "]}"


def _components(count: int, extra: str = "") -> list[str]:
    return [f'{{"id": "c{i}", "type": "web_server"{extra}}}' for i in range(count)]


def max_valid_design() -> str:
    client = '{"id": "users", "type": "client", "workload": {"pattern": "poisson", "rate_rps": 1}}'
    comps = [client, *_components(MAX_COMPONENTS - 1)]
    # Distinct calls: each component calls the next few (a long chain, no cycle).
    servers = MAX_COMPONENTS - 1
    links = ['{"source": "users", "target": "c0"}'] + [
        f'{{"source": "c{i % servers}", "target": "c{i % servers + 1 + i // servers}"}}'
        for i in range(MAX_LINKS - 1) if i % servers + 1 + i // servers < servers]
    return HEAD + '"components": [' + ", ".join(comps) + '], "links": [' + ", ".join(links) + "]}"


def components_over_limit() -> str:
    return _fill(HEAD + '"components": [', '{"id": "c", "type": "x"}, ', "{}]}")


def every_field_wrong() -> str:
    # 20,000 components with every field of the wrong type or out of range,
    # plus 100,000 links to nowhere: about 800,000 problems.
    bad = ('{"id": "c%d", "type": "web_servr", "replicas": -1, "concurrency": 0, '
           '"hit_ratio": 7, "payload_kb": -1, "specs": {"cpu_cores": -1, "cpu_ghz": 0, '
           '"memory_gb": -1, "network_mbps": -1}, "service_time": {"distribution": "norml", '
           '"mean_ms": -1, "std_ms": -1, "shape": -1, "min_ms": 5, "max_ms": 1}, '
           '"routing": {"algorithm": "x"}, "fanout": "x", "bogus": 1, "queue_capacity": -1, '
           '"position": [1], "blocking": 3}')
    comps = [bad % i for i in range(MAX_COMPONENTS)]
    links = [f'{{"source": "n{i}", "target": "m{i}", "probability": 2}}'
             for i in range(MAX_LINKS)]
    return HEAD + '"components": [' + ", ".join(comps) + '], "links": [' + ", ".join(links) + "]}"


def unknown_top_level_keys() -> str:
    return _fill(HEAD, '"zz": 0, ', '"name": "x"}')


def many_empty_objects() -> str:
    return _fill("[", "{}, ", "{}]")


def many_small_numbers() -> str:
    return _fill(HEAD + '"name": [', "0,", "0]}")


def one_huge_string() -> str:
    return _fill(HEAD + '"name": "', "a", '"}')


def huge_integer() -> str:
    return _fill(HEAD + '"version": ', "9", "}")


def nan_everywhere() -> str:
    return _fill(HEAD + '"components": [',
                 '{"id": "c", "type": "web_server", "hit_ratio": NaN}, ', "{}]}")


CASES: dict[str, Callable[[], str]] = {func.__name__: func for func in (
    unterminated_80k, unterminated_20m, deep_lists_20m, deep_objects_20m, deep_then_closed,
    many_unknown_keys, many_duplicate_keys, max_valid_design, components_over_limit,
    every_field_wrong, unknown_top_level_keys, many_empty_objects, many_small_numbers,
    one_huge_string, huge_integer, nan_everywhere,
)}


def _read(text: str) -> str:
    try:
        loads(text)
    except DocumentError as exc:
        message = str(exc)
        assert "\n" not in message, message
        return message
    return "(read)"


def run(name: str, make: Callable[[], str]) -> dict[str, object]:
    """Time one case; returns its row."""
    text = make()
    times, cpu_times = [], []
    for _ in range(ROUNDS):
        start, cpu_start = time.perf_counter(), time.process_time()
        outcome = _read(text)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    tracemalloc.start()
    _read(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"case": name, "bytes": len(text.encode("utf-8")),
            "median_s": round(statistics.median(times), 3),
            "median_cpu_s": round(statistics.median(cpu_times), 3),
            "peak_mb": round(peak / 2**20, 1), "outcome": outcome[:110]}


def main(argv: list[str]) -> int:
    """Run the cases named (by substring) in ``argv``, or all of them."""
    rows = [run(name, make) for name, make in CASES.items()
            if not argv or any(word in name for word in argv)]
    for row in rows:
        print(f"{row['case']:24} {row['bytes'] / 2**20:6.2f} MB {row['median_s']:7.3f} s "
              f"{row['median_cpu_s']:7.3f} s CPU "
              f"{row['peak_mb']:7.1f} MB peak  {row['outcome']}")
    out = Path(__file__).parent / "results" / "reader.json"
    if not argv:
        out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
