"""Predicted p99 latencies from the analytic model: per component and end to end.

The analytic model gives means; a capacity target is a tail. Every latency is
described here by a *floor* (what it can never be below: a constant service
time, links that are always taken), a mean and a variance, and the part above
the floor is taken as gamma-distributed with that mean and variance
(:func:`app.analysis.queueing.gamma_quantile`). Docs: docs/analysis.md,
"Capacity planning".

* A station's own latency (its wait plus its service, as the run reports it):
  the wait is 0 with the Erlang C probability of finding every worker busy and
  otherwise exponential with the model's mean wait over that probability
  (exact for M/M/c; the same shape for M/G/c and M/M/c/K), the service has
  the variance of its distribution (c_s² x mean²). Exact for M/M/1: the time
  in system is exponential, a gamma of shape 1.
* A response adds the synchronous calls, as independent parts: a call made
  with probability p adds p·m to the mean and p·v + p(1 - p)·m² to the
  variance (m, v: the link's round trip plus the callee's response); a
  balancer's one call of several is their mixture; a parallel fan-out is
  taken as its slowest call, as in the model's means.
* End to end: each client's requests are one shifted gamma, and the design's
  p99 is the quantile of their mixture weighted by the clients' rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from app.analysis.queueing import erlang_c, gamma_quantile, mixture_quantile, wait_variance

if TYPE_CHECKING:
    from app.analysis.flows import Call
    from app.analysis.model import PreparedModel
    from app.analysis.results import AnalyticResult

#: The quantile a p99 target is about.
P99: Final = 0.99


@dataclass(frozen=True, slots=True)
class Moments:
    """A latency as a floor, a mean and a variance (ms, ms, ms²)."""

    floor: float
    mean: float
    variance: float

    def quantile(self, q: float = P99) -> float:
        """The ``q``-quantile of floor + gamma(mean - floor, variance)."""
        return self.floor + gamma_quantile(self.mean - self.floor, self.variance, q)


@dataclass(frozen=True, slots=True)
class TailPrediction:
    """Predicted p99s at one load and one set of replicas (``None``: unbounded)."""

    components: dict[str, float | None]
    end_to_end: float | None


def predict_p99(model: PreparedModel, result: AnalyticResult) -> TailPrediction:
    """Every station's own-latency p99 and the end-to-end p99 of ``result``."""
    own: dict[str, Moments | None] = {}
    response: dict[str, Moments | None] = {}
    for cid in model.sync_order:  # callees first
        facts = model.stations.get(cid)
        pred = result.components.get(cid)
        if facts is None or pred is None:
            continue
        mine = _own_latency(model, cid, result)
        own[cid] = mine
        down = _calls(model.calls[cid], response, balancer=facts.rc.type.balancer,
                      parallel=facts.parallel)
        response[cid] = (Moments(mine.floor + down.floor, mine.mean + down.mean,
                                 mine.variance + down.variance)
                         if mine is not None and down is not None else None)
    parts: list[tuple[float, float, float, float]] = []
    bounded = True
    for cid in model.clients:
        rate = result.clients[cid].rate_rps if cid in result.clients else 0.0
        if rate <= 0.0:
            continue
        path = _calls(model.calls[cid], response, balancer=False, parallel=False)
        if path is None:
            bounded = False
            break
        parts.append((rate, path.floor, path.mean, path.variance))
    e2e = mixture_quantile(parts, P99) if bounded and parts else None
    comps = {cid: (m.quantile() if m is not None else None) for cid, m in own.items()}
    return TailPrediction(comps, e2e)


def _own_latency(model: PreparedModel, cid: str, result: AnalyticResult) -> Moments | None:
    """A station's own latency (wait + service) as moments; ``None`` when unbounded."""
    facts = model.stations[cid]
    pred = result.components[cid]
    if pred.mean_latency_ms is None:
        return None
    s, scv = facts.service_ms, facts.scv
    floor = s if scv == 0.0 else 0.0
    wait = max(pred.mean_latency_ms - s, 0.0)
    p_wait = 0.0
    if wait > 0.0 and pred.arrival_rps and pred.holding_ms:
        c = facts.rc.concurrency
        offered = pred.arrival_rps / max(pred.replicas, 1) * pred.holding_ms / 1000.0
        p_wait = erlang_c(c, offered)
    variance = scv * s * s + wait_variance(wait, p_wait)
    return Moments(floor, pred.mean_latency_ms, variance)


def _calls(calls: tuple[Call, ...], response: dict[str, Moments | None], *, balancer: bool,
           parallel: bool) -> Moments | None:
    """The moments of the time a visit waits in its synchronous calls; ``None`` if unbounded."""
    waited: list[tuple[float, Moments]] = []
    for call in calls:
        if not call.waits or call.per_visit <= 0.0:
            continue
        r = response.get(call.target)
        if r is None:
            if call.target in response:
                return None
            r = Moments(0.0, 0.0, 0.0)  # not a station the model knows: no time
        rtt = call.round_trip_ms
        waited.append((call.per_visit, Moments(rtt + r.floor, rtt + r.mean, r.variance)))
    if not waited:
        return Moments(0.0, 0.0, 0.0)
    if parallel:  # the slowest call, as the model's mean does
        waited = [max(waited, key=lambda pm: pm[0] * pm[1].mean)]
    if balancer:  # exactly one of the calls: their mixture
        share = sum(p for p, _ in waited)
        mean = sum(p * m.mean for p, m in waited)
        second = sum(p * (m.variance + m.mean * m.mean) for p, m in waited)
        floor = min(m.floor for _, m in waited) if share >= 1.0 - 1e-9 else 0.0
        return Moments(floor, mean, max(second - mean * mean, 0.0))
    floor = mean = variance = 0.0
    for p, m in waited:
        if p >= 1.0 - 1e-12:  # always made (p calls when over one, as a count)
            floor += p * m.floor
            mean += p * m.mean
            variance += p * m.variance
        else:
            mean += p * m.mean
            variance += p * m.variance + p * (1.0 - p) * m.mean * m.mean
    return Moments(floor, mean, variance)
