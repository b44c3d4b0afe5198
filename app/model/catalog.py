"""The component catalog: every component type, its category and its defaults.

A type's defaults are the last step of the resolution chain
(explicit field -> profile -> type default), see :mod:`app.model.resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

CATEGORIES: Final = ("Traffic", "Network", "Compute", "Data", "Messaging")


@dataclass(frozen=True)
class ComponentType:
    """What a kind of component is and how it behaves by default.

    Attributes
    ----------
    key:
        The ``type`` string of the file format.
    label:
        Human name shown in the palette.
    category:
        One of :data:`CATEGORIES` (the palette's groups).
    default_profile:
        Profile used when the component names none (``None`` for clients).
    blocking:
        Whether a worker stays busy during downstream calls (thread-per-request).
    balancer:
        True for load balancers and gateways: they pick *one* outgoing link.
    caching:
        True for caches and CDNs: downstream calls happen only on a miss.
    broker:
        True for message queues: messages wait in a bounded backlog until the
        consumers (the outgoing links) have capacity (see app/engine/messaging.py).
    description:
        One sentence for tooltips and docs.
    """

    key: str
    label: str
    category: str
    default_profile: str | None
    blocking: bool = True
    balancer: bool = False
    caching: bool = False
    broker: bool = False
    description: str = ""

    @property
    def is_client(self) -> bool:
        """Clients generate traffic and serve none."""
        return self.key == "client"


_TYPES: Final = (
    ComponentType("client", "Client", "Traffic", None, blocking=False,
                  description="Users or upstream systems generating requests."),
    ComponentType("dns", "DNS", "Network", "dns", blocking=False,
                  description="Resolves names; usually a fast first hop."),
    ComponentType("cdn", "CDN", "Network", "cdn", blocking=False, caching=True,
                  description="Edge cache: serves hits, forwards misses to the origin."),
    ComponentType("load_balancer", "Load balancer", "Network", "nginx_lb", blocking=False,
                  balancer=True, description="Spreads requests over its targets."),
    ComponentType("api_gateway", "API gateway", "Network", "api_gateway", blocking=False,
                  balancer=True, description="Routes API calls to one backend."),
    ComponentType("web_server", "Web server", "Compute", "web_server",
                  description="Serves HTTP; thread-per-request by default."),
    ComponentType("api_server", "API server", "Compute", "api_server",
                  description="Business API over HTTP."),
    ComponentType("application_server", "Application server", "Compute",
                  "application_server", description="Heavier application logic."),
    ComponentType("microservice", "Microservice", "Compute", "microservice",
                  description="A small service owning one capability."),
    ComponentType("batch_processor", "Batch processor", "Compute", "batch_processor",
                  description="Long-running jobs at high concurrency."),
    ComponentType("real_time_processor", "Real-time processor", "Compute",
                  "real_time_processor", blocking=False,
                  description="Low-latency stream processing."),
    ComponentType("cache", "Cache", "Data", "redis", caching=True,
                  description="In-memory cache: hits return, misses go downstream."),
    ComponentType("database", "SQL database", "Data", "postgresql",
                  description="Relational database."),
    ComponentType("nosql_database", "NoSQL database", "Data", "mongodb",
                  description="Document or key-value store."),
    ComponentType("object_storage", "Object storage", "Data", "object_storage",
                  description="Blob store: high latency, high parallelism."),
    ComponentType("message_queue", "Message queue", "Messaging", "message_queue",
                  blocking=False, broker=True,
                  description="Broker: accepts messages, workers consume later."),
    ComponentType("worker", "Worker", "Messaging", "worker",
                  description="Consumes queued work in the background."),
)

COMPONENT_TYPES: Final[dict[str, ComponentType]] = {t.key: t for t in _TYPES}


def component_type(key: str) -> ComponentType:
    """The catalog entry for a type key; ``KeyError`` for an unknown type."""
    return COMPONENT_TYPES[key]


def types_in_category(category: str) -> list[ComponentType]:
    """Catalog entries of one palette category, in catalog order."""
    return [t for t in _TYPES if t.category == category]
