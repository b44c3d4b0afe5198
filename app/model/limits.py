"""Limits of the ``.sdsim`` format: what a file may hold before it is refused.

They keep a hostile or corrupt file from exhausting memory or the recursion
limit, and keep values within what the engine and the GUI can handle.
docs/file-format.md lists them for users.
"""

from __future__ import annotations

from typing import Final

#: Largest file read, in bytes (characters for text handed to ``loads``).
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
#: Deepest nesting of JSON arrays/objects (a valid file needs 4).
MAX_NESTING_DEPTH: Final = 64
#: Most JSON objects and lists in one file. The largest design the format allows
#: (20,000 components with every section, 100,000 links) needs about 220,000; the
#: cap keeps a file of a million empty ``{}`` from costing seconds and half a GB.
MAX_JSON_CONTAINERS: Final = 500_000
MAX_COMPONENTS: Final = 20_000
MAX_LINKS: Final = 100_000
#: Largest format version a file may claim: beyond it the number is nonsense, not a
#: file from a newer app.
MAX_FORMAT_VERSION: Final = 1_000
#: Component ids a design may not use: they name the end-to-end figures and the
#: totals in metrics.csv and summary.json (format version 2 on).
RESERVED_IDS: Final = ("end_to_end", "total")
#: What summary.json puts between a link's ends ("source->target"): no id may contain it.
LINK_ARROW: Final = "->"
#: Longest component id (ids appear in CSV rows, charts and file names).
MAX_ID_LENGTH: Final = 200
#: Longest design or component name (names are drawn on the canvas and charts).
MAX_NAME_LENGTH: Final = 1_000
#: Longest design description.
MAX_DESCRIPTION_LENGTH: Final = 100_000
#: Longest trace-file path.
MAX_PATH_LENGTH: Final = 4_096
MAX_REPLICAS: Final = 10_000
MAX_CONCURRENCY: Final = 1_000_000
MAX_QUEUE_CAPACITY: Final = 1_000_000_000
MAX_RETRIES: Final = 100
MAX_SEED: Final = 2**64 - 1
#: Longest run in metric windows (``duration_s / window_s``): bounds the GUI's buffers.
MAX_WINDOWS: Final = 1_000_000
#: Problems a DocumentError lists; beyond them a huge file's problems are only counted.
MAX_LISTED_PROBLEMS: Final = 100
#: Longest mean service time, link latency or timeout (about 11.6 days), in ms:
#: far beyond any design, and far from where floating point loses the sums.
MAX_SERVICE_MS: Final = 1e9
#: Hardware of one replica: beyond these a profile's scaling overflows or means nothing.
MAX_CPU_CORES: Final = 100_000
MAX_CPU_GHZ: Final = 1_000.0
MIN_MEMORY_GB: Final = 1 / 1024  # 1 MB
MAX_MEMORY_GB: Final = 2.0**20  # 1 PB
MAX_NETWORK_MBPS: Final = 1e9
#: Largest response payload (1 TB).
MAX_PAYLOAD_KB: Final = 1e9
#: Largest link weight: a balancer sums its links' weights, which must stay finite.
MAX_LINK_WEIGHT: Final = 1e9
#: Largest canvas coordinate (either sign): Qt's scene arithmetic must stay finite.
MAX_COORDINATE: Final = 1e7
#: Most scheduled faults in one design (each is an event the engine schedules).
MAX_FAULTS: Final = 10_000
#: Longest zone name (zones are drawn on the canvas and named in events).
MAX_ZONE_LENGTH: Final = 64
#: Longest time in seconds a failure field may give (MTBF, MTTR, fault times,
#: cooldowns, check intervals): about 31.7 years, beyond any run.
MAX_TIME_S: Final = 1e9
#: Shortest time a failure field may give (MTBF, MTTR, chaos MTTR, check
#: intervals, a breaker's open time): 1 ms. Each of these schedules engine
#: events at that pace for the whole run, whatever the traffic, and below a
#: millisecond they only make a run endless (1e-7 s checks made one simulated
#: second take hours) without modelling anything real.
MIN_TIME_S: Final = 0.001
#: Largest rate limit (tokens a second) and bucket size.
MAX_RATE_RPS: Final = 1e9
#: Smallest rate limit: one token every 1,000 s (less is no traffic at all).
MIN_RATE_RPS: Final = 0.001
#: Largest backoff multiplier: retries are capped at MAX_RETRIES, so waits stay finite.
MAX_BACKOFF_MULTIPLIER: Final = 100.0
#: Largest slowdown factor of a fault (service times times this stay finite).
MAX_SLOWDOWN_FACTOR: Final = 1e6
#: Largest circuit-breaker window (and min_calls, half_open_calls), in calls: the
#: breaker of every link holds up to this many outcomes in memory.
MAX_BREAKER_WINDOW: Final = 10_000
#: Largest health-check thresholds, in checks.
MAX_CHECK_COUNT: Final = 1_000
