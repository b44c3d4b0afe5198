"""Hardware profiles: headline throughput and latency turned into queueing parameters.

A profile states what one replica achieves on the reference hardware
(4 cores, 2.4 GHz, 8 GB, 1000 Mbps): a maximum throughput ``X`` (req/s) and
a mean latency ``L`` (ms). A replica is modelled as ``c`` parallel workers
with mean service time ``L``; at saturation all ``c`` are busy and the
throughput is ``c / L``, so ``c = round(X * L)`` reproduces the headline
throughput (see docs/model.md):

* more cores scale the workers: ``c' = max(1, round(c * cores / 4))``;
* a faster clock shortens the service time: ``L' = L * 2.4 / ghz``;
* memory sets the memory metric's capacity (and nothing else);
* the network card adds ``payload_kb * 8 / network_mbps`` ms of
  transmission to each response when the component has a payload.

The first nine rows are the seed's catalog (PRODUCT.md §6); the rest are our
own defaults for the types the seed does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.model.document import Specs

REFERENCE_SPECS: Final = Specs(cpu_cores=4.0, cpu_ghz=2.4, memory_gb=8.0, network_mbps=1000.0)


@dataclass(frozen=True)
class Profile:
    """Headline performance of one replica on the reference hardware."""

    key: str
    label: str
    max_throughput_rps: float
    mean_latency_ms: float
    distribution: str = "exponential"
    #: Memory in use per request in the system (MB) and at idle (fraction of RAM).
    memory_per_request_mb: float = 2.0
    idle_memory_fraction: float = 0.2
    source: str = "seed"

    @property
    def concurrency(self) -> int:
        """Workers per replica on the reference hardware: ``round(X * L)``."""
        return max(1, round(self.max_throughput_rps * self.mean_latency_ms / 1000.0))


_PROFILES: Final = (
    # The seed's catalog (PRODUCT.md §6).
    Profile("web_server", "Web server", 15_000, 2.0),
    Profile("api_server", "API server", 8_000, 5.0),
    Profile("microservice", "Microservice", 5_000, 3.0),
    Profile("postgresql", "PostgreSQL", 5_000, 3.0, memory_per_request_mb=4.0),
    Profile("redis", "Redis", 100_000, 0.1, memory_per_request_mb=0.1),
    Profile("mongodb", "MongoDB", 8_000, 4.0, memory_per_request_mb=4.0),
    Profile("nginx_lb", "NGINX load balancer", 50_000, 0.5, memory_per_request_mb=0.1),
    Profile("api_gateway", "API gateway", 20_000, 2.0, memory_per_request_mb=0.5),
    Profile("cdn", "CDN", 200_000, 0.1, memory_per_request_mb=0.1),
    # The seed's other compute profiles, with our numbers.
    Profile("application_server", "Application server", 4_000, 10.0, source="ours"),
    Profile("batch_processor", "Batch processor", 500, 200.0, memory_per_request_mb=16.0,
            source="ours"),
    Profile("real_time_processor", "Real-time processor", 50_000, 1.0, source="ours"),
    # Our defaults for the remaining types.
    Profile("dns", "DNS resolver", 50_000, 1.0, memory_per_request_mb=0.05, source="ours"),
    Profile("object_storage", "Object storage", 3_500, 20.0, source="ours"),
    Profile("message_queue", "Message broker", 50_000, 1.0, memory_per_request_mb=0.1,
            source="ours"),
    Profile("worker", "Background worker", 1_000, 20.0, source="ours"),
)

PROFILES: Final[dict[str, Profile]] = {p.key: p for p in _PROFILES}


def profile(key: str) -> Profile:
    """The profile with this key; ``KeyError`` for an unknown profile."""
    return PROFILES[key]


def scaled_concurrency(base: int, cores: float) -> int:
    """Workers per replica on ``cores`` cores, from ``base`` on the reference 4."""
    ref = REFERENCE_SPECS.cpu_cores or 4.0
    return max(1, round(base * cores / ref))


def scaled_service_ms(base_ms: float, ghz: float) -> float:
    """Mean service time on a ``ghz`` clock, from ``base_ms`` on the reference 2.4 GHz."""
    ref = REFERENCE_SPECS.cpu_ghz or 2.4
    return base_ms * ref / ghz


def transmission_ms(payload_kb: float, network_mbps: float) -> float:
    """Time to put ``payload_kb`` kilobytes on a ``network_mbps`` link, in ms."""
    return payload_kb * 8.0 / network_mbps
