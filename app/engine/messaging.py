"""A message broker: it buffers messages until its consumers have capacity.

A ``message_queue`` component (a catalog type with ``broker``) handles a
publish like any station (its workers, its waiting room, its service time)
and answers the producer as soon as the message is stored. Each outgoing
link is a subscription: a consumer that takes the broker's messages as it
has capacity, that is, with at most as many messages unacknowledged as it
has workers up (a prefetch limit); a message waits in the broker's backlog
until then. A consumer acknowledges a message when its visit ends; a
message whose processing fails (rejected, failed, timed out) is not
redelivered (the link's own retries apply) and counts as failed async work
end to end. A message is lost only when the backlog is full (the
component's ``queue_capacity`` messages across its subscriptions): it is
counted as ``dropped`` and as failed async work.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import simpy

from app.engine.distributions import Sampler
from app.engine.scheduling import OK, AsyncLedger
from app.engine.station import ReplyLoop, Station
from app.model.resolve import ResolvedComponent

if TYPE_CHECKING:
    from app.engine.links import LinkRuntime
    from app.engine.station import Request, Visit


class Subscription:
    """One outgoing link of a broker: the messages waiting for it, and those out."""

    __slots__ = ("backlog", "broker", "link", "pumping", "unacked")

    def __init__(self, broker: BrokerStation, link: LinkRuntime) -> None:
        self.broker = broker
        self.link = link
        self.backlog: deque[Request] = deque()
        self.unacked = 0
        self.pumping = False

    def capacity(self) -> int:
        """Messages the consumer may hold unacknowledged: its workers that are up.

        None while the consumer is down or cut off by a partition: its
        messages wait in the backlog.
        """
        link = self.link
        target = link.target
        return 0 if link.partitioned else target.workers

    def pump(self) -> None:
        """Deliver waiting messages while the consumer has capacity (a loop, not recursion).

        A delivery can be answered at once (a consumer that refuses it): that
        answer only updates the counts, and this loop goes on.
        """
        if self.pumping:
            return
        self.pumping = True
        try:
            broker = self.broker
            while self.backlog and self.unacked < self.capacity():
                req = self.backlog.popleft()
                broker.backlog_changed(-1)
                self._deliver(req)
        finally:
            self.pumping = False

    def offer(self, req: Request) -> None:
        """A new message for this subscription: deliver it, keep it, or drop it."""
        broker = self.broker
        if self.backlog:
            self.pump()  # the consumer may have come back since the last answer
        if not self.backlog and self.unacked < self.capacity():
            self._deliver(req)
        elif broker.capacity is None or broker.stored < broker.capacity:
            self.backlog.append(req)
            broker.backlog_changed(+1)
        else:
            broker.dropped += 1
            broker.ledger.fail(req)

    def _deliver(self, req: Request) -> None:
        self.unacked += 1
        self.broker.delivered += 1
        self.link.deliver(req, _Ack(self, req))

    def acked(self, req: Request, status: int) -> None:
        """The consumer is done with a message (``status`` is its outcome)."""
        self.unacked -= 1
        if status != OK:
            self.broker.ledger.fail(req)
        self.pump()


class _Ack:
    """The reply target of one delivery."""

    __slots__ = ("req", "sub")

    def __init__(self, sub: Subscription, req: Request) -> None:
        self.sub = sub
        self.req = req

    def __call__(self, status: int) -> None:
        self.sub.acked(self.req, status)


class BrokerStation(Station):
    """A station whose outgoing links are subscriptions fed from a bounded backlog."""

    def __init__(
        self,
        env: simpy.Environment,
        rc: ResolvedComponent,
        service: Sampler,
        coin: Sampler,
        *,
        replies: ReplyLoop | None = None,
        ledger: AsyncLedger | None = None,
        tracked: bool = True,
    ) -> None:
        super().__init__(env, rc, service, coin, replies=replies, ledger=ledger, tracked=tracked)
        self.subscriptions: list[Subscription] = []
        #: Messages stored across subscriptions at most (``None``: no limit).
        self.capacity: int | None = self.resolved.queue_capacity
        self.stored = 0
        self.stored_s = 0.0
        self.delivered = 0
        self.dropped = 0

    def add_link(self, link: LinkRuntime) -> None:
        """An outgoing link is a subscription, not a call made by each visit."""
        self.subscriptions.append(Subscription(self, link))

    def backlog_changed(self, delta: int) -> None:
        """``delta`` messages entered (+) or left (-) the backlog now."""
        self.stored += delta
        self.stored_s += delta * self.env._now

    def backlog_area(self, now: float) -> float:
        """Integral of the backlog from the start to ``now`` (messages x seconds)."""
        return self.stored * now - self.stored_s

    def visit_finished(self, visit: Visit, status: int) -> None:
        """A publish is handled: store the message for every subscription it goes to."""
        if status == OK:
            coin = self.coin
            for sub in self.subscriptions:
                p = sub.link.probability
                if p >= 1.0 or coin() < p:
                    sub.offer(visit.req)
        super().visit_finished(visit, status)
