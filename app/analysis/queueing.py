"""Closed forms of queueing theory: one implementation for the app and its validation tests.

Rates are per second and times in seconds unless a name says otherwise. Each
function is cheap (at most a loop over the servers of one queue, and that loop
is cut short where its terms no longer matter), because the analytic model
evaluates hundreds of queues per call and the planner calls it many times.

References: Gross & Harris, *Fundamentals of Queueing Theory* (M/M/c, M/M/c/K,
Erlang B and C); Allen (1990) for the Allen–Cunneen approximation of GI/G/c.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def utilization(lam: float, service_s: float, servers: int) -> float:
    """Offered utilization rho = lambda * E[S] / c (may exceed 1: the queue is then unstable)."""
    return lam * service_s / servers


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c with offered load ``a`` = lambda/mu erlangs.

    The stable recursion B(k) = a B(k-1) / (k + a B(k-1)). For a large pool it
    starts well below ``a`` from the asymptote B(k) ~ 1 - k/a: the recursion
    contracts any starting error by about k/a per step there, so by the time
    it reaches ``a`` the error is below 1e-30 of the answer; past ``a`` it stops
    once B underflows (B shrinks by a/k per step).
    """
    if c < 0 or a < 0:
        raise ValueError(f"erlang_b needs c >= 0 and a >= 0, got c={c}, a={a}")
    if a == 0.0:
        return 0.0 if c > 0 else 1.0
    start = int(a - 12.0 * math.sqrt(a) - 10.0)
    k0 = min(max(start, 0), c)
    b = 1.0 if k0 == 0 else 1.0 - k0 / a
    for k in range(k0 + 1, c + 1):
        b = a * b / (k + a * b)
        if b < 1e-300:
            return 0.0
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a`` (< c erlangs)."""
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean time waiting in the queue of M/M/c: C(c, a) / (c mu - lambda); inf when unstable."""
    if lam >= c * mu:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_mean_response(lam: float, mu: float, c: int) -> float:
    """Mean time in system of M/M/c (seconds, rates per second); inf when unstable."""
    return mmc_mean_wait(lam, mu, c) + 1.0 / mu


def allen_cunneen_wait(lam: float, service_s: float, c: int, cs2: float,
                       ca2: float = 1.0) -> float:
    """Mean wait in GI/G/c by Allen–Cunneen: Wq(M/M/c) x (ca² + cs²) / 2.

    Exact for M/M/c (ca² = cs² = 1) and for M/G/1 (Pollaczek–Khinchine); an
    approximation otherwise, usually within a few percent for M/G/c at
    moderate load. ``cs2`` and ``ca2`` are the squared coefficients of
    variation (variance / mean²) of the service and inter-arrival times.
    """
    if service_s <= 0.0 or lam <= 0.0:
        return 0.0
    wq = mmc_mean_wait(lam, 1.0 / service_s, c)
    if math.isinf(wq) or math.isinf(cs2):
        return math.inf
    return wq * (ca2 + cs2) / 2.0


def md1_mean_response(lam: float, service_s: float) -> float:
    """Pollaczek–Khinchine for deterministic service: W = s + lambda s² / (2 (1 - rho))."""
    rho = lam * service_s
    if rho >= 1.0:
        return math.inf
    return service_s + lam * service_s**2 / (2.0 * (1.0 - rho))


def mm1_response_quantile(lam: float, mu: float, q: float) -> float:
    """The q-quantile of M/M/1 time in system: exponential with rate mu - lambda."""
    return -math.log(1.0 - q) / (mu - lam)


def mm1k_blocking(rho: float, k: int) -> float:
    """Blocking probability of M/M/1/K, K = places in the system (1 in service + K-1 waiting)."""
    return mmck(rho, 1.0, 1, k).blocking


class MMcK:
    """The M/M/c/K queue's stationary figures (K = places in the system, K >= c).

    Attributes:
        blocking: Probability an arrival finds all K places taken (and is lost).
        mean_number: Mean number in the system, L.
        mean_queue: Mean number waiting, Lq.
        mean_response: Mean time in system of an admitted request (Little's law
            with the admitted rate lambda (1 - blocking)); seconds.
        mean_wait: Mean time waiting of an admitted request; seconds.
    """

    __slots__ = ("blocking", "mean_number", "mean_queue", "mean_response", "mean_wait")

    def __init__(self, blocking: float, mean_number: float, mean_queue: float,
                 mean_response: float, mean_wait: float) -> None:
        self.blocking = blocking
        self.mean_number = mean_number
        self.mean_queue = mean_queue
        self.mean_response = mean_response
        self.mean_wait = mean_wait


def mmck(lam: float, mu: float, c: int, k: int) -> MMcK:
    """M/M/c/K in closed form, O(c) (Erlang B) whatever K, and for any load (even rho >= 1).

    With a = lambda/mu and rho = a/c, the states n <= c have weight a^n/n! and
    the states above c a geometric tail rho^(n-c). Relative to the weight of
    state c the first part sums to 1/B - 1 (B = Erlang B), the tail to
    sum(rho^m, m = 0..K-c). For rho > 1 every sum is scaled by rho^-(K-c), so
    a long queue under overload neither overflows nor loses precision.
    """
    if c < 1 or k < c:
        raise ValueError(f"M/M/c/K needs 1 <= c <= K, got c={c}, K={k}")
    a = lam / mu
    if a <= 0.0:
        return MMcK(0.0, 0.0, 0.0, 1.0 / mu, 0.0)
    n = k - c  # waiting places
    rho = a / c
    b = erlang_b(c, a)
    head = 1.0 / b - 1.0 if b > 0.0 else math.inf
    if rho <= 1.0:
        tail = _geometric(rho, n)
        weighted = _weighted_geometric(rho, n)
        z = head + tail
        blocking = rho**n / z if math.isfinite(z) else 0.0
        lq = weighted / z if math.isfinite(z) else 0.0
    else:  # scale by rho^-n: sums over sigma = 1/rho < 1, counted from the top state
        sigma = 1.0 / rho
        tail = _geometric(sigma, n)
        # sum m rho^m / rho^n = sum (n - j) sigma^j
        weighted = n * tail - _weighted_geometric(sigma, n)
        scaled_head = head * sigma**n if math.isfinite(head) else math.inf
        z = scaled_head + tail
        blocking = 1.0 / z
        lq = weighted / z
    admitted = lam * (1.0 - blocking)
    busy = a * (1.0 - blocking)  # carried load: mean busy servers
    number = lq + busy
    response = number / admitted if admitted > 0.0 else 1.0 / mu
    return MMcK(blocking, number, lq, response, response - 1.0 / mu)


def _geometric(x: float, n: int) -> float:
    """sum(x^m, m = 0..n) for 0 <= x <= 1."""
    if x >= 1.0 - 1e-12:
        return float(n + 1)
    return (1.0 - x ** (n + 1)) / (1.0 - x)


def _weighted_geometric(x: float, n: int) -> float:
    """sum(m x^m, m = 0..n) for 0 <= x <= 1."""
    if x >= 1.0 - 1e-12:
        return n * (n + 1) / 2.0
    return x * (1.0 - (n + 1) * x**n + n * x ** (n + 1)) / (1.0 - x) ** 2


# --- Latency tails (the capacity planner's p99) ---------------------------------------
#
# A p99 needs a distribution, not a mean. The planner describes every latency by
# three numbers: a floor (what it can never be below), a mean and a variance, and
# takes the part above the floor as gamma-distributed with that mean and variance
# (moment matching). Queueing delays add up along a request's path, and sums of
# independent gamma-like delays stay close to gamma, which is why this family is
# used; it is exact for the M/M/1 time in system (an exponential: gamma of shape 1).


def wait_variance(mean_wait: float, p_wait: float) -> float:
    """Variance of a queueing wait that is 0 with probability 1 - ``p_wait`` and else exponential.

    This is the M/M/c wait exactly (an arrival waits with the Erlang C
    probability, and then for an exponential time of mean Wq / C); the planner
    uses the same shape for M/G/c and M/M/c/K (an approximation):
    E[W²] = 2 Wq² / C, so Var W = 2 Wq² / C - Wq².
    """
    if mean_wait <= 0.0 or p_wait <= 0.0:
        return 0.0
    return max(2.0 * mean_wait * mean_wait / min(p_wait, 1.0) - mean_wait * mean_wait, 0.0)


def gamma_cdf(x: float, shape: float, scale: float) -> float:
    """P(X <= x) for X ~ Gamma(shape, scale): the regularized incomplete gamma P(shape, x/scale).

    Series below shape + 1, Lentz's continued fraction above (Numerical
    Recipes' ``gammp``), to about 1e-14.
    """
    if x <= 0.0:
        return 0.0
    z = x / scale
    log_front = shape * math.log(z) - z - math.lgamma(shape)
    if z < shape + 1.0:
        term = total = 1.0 / shape
        a = shape
        for _ in range(10_000):
            a += 1.0
            term *= z / a
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, total * math.exp(log_front))
    tiny = 1e-300
    b = z + 1.0 - shape
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - shape)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def gamma_quantile(mean: float, variance: float, q: float) -> float:
    """The ``q``-quantile of the gamma distribution with this mean and variance.

    Shape k = mean² / variance, scale = variance / mean. A zero variance is a
    constant (the mean). Solved by bisection on :func:`gamma_cdf` to a relative
    1e-10 (no scipy on this path: the planner calls it thousands of times).
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile level must lie in (0, 1), got {q!r}")
    if mean <= 0.0:
        return 0.0
    if variance <= mean * mean * 1e-12:
        return mean
    shape, scale = mean * mean / variance, variance / mean
    lo, hi = 0.0, mean
    while gamma_cdf(hi, shape, scale) < q:
        lo, hi = hi, hi * 2.0
    return _bisect(lambda x: gamma_cdf(x, shape, scale), q, lo, hi)


def shifted_gamma_cdf(x: float, floor: float, mean: float, variance: float) -> float:
    """P(X <= x) for X = ``floor`` + a gamma with mean ``mean - floor`` and ``variance``."""
    excess = mean - floor
    if excess <= 0.0 or variance <= excess * excess * 1e-12:
        return 1.0 if x >= mean else 0.0
    return gamma_cdf(x - floor, excess * excess / variance, variance / excess)


def mixture_quantile(parts: list[tuple[float, float, float, float]], q: float) -> float:
    """The ``q``-quantile of a mixture of shifted gammas ``(weight, floor, mean, variance)``.

    The end-to-end latency of a design is such a mixture: each client's
    requests are one shifted gamma, weighted by the client's rate.
    """
    parts = [p for p in parts if p[0] > 0.0]
    if not parts:
        return 0.0
    total = sum(p[0] for p in parts)

    def cdf(x: float) -> float:
        return sum(w * shifted_gamma_cdf(x, f, m, v) for w, f, m, v in parts) / total

    if len(parts) == 1:
        _, floor, mean, variance = parts[0]
        return floor + gamma_quantile(mean - floor, variance, q)
    lo, hi = 0.0, max(1e-9, *(p[2] for p in parts))
    while cdf(hi) < q:
        lo, hi = hi, hi * 2.0
    return _bisect(cdf, q, lo, hi)


def _bisect(cdf: Callable[[float], float], q: float, lo: float, hi: float) -> float:
    """The x in [lo, hi] where the increasing ``cdf`` crosses ``q``, to a relative 1e-10."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-10 * hi:
            break
    return 0.5 * (lo + hi)
