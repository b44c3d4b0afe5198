"""Replication seeds: the k-th child of the design seed's SeedSequence, as a 64-bit int."""

from __future__ import annotations

import numpy as np
import pytest

from app.sweeps.seeds import replication_seed, replication_seeds


@pytest.mark.parametrize("seed", [0, 1, 7, 123_456_789, 2**63 + 5, 2**80])
def test_replication_k_is_the_kth_spawned_child(seed: int) -> None:
    children = np.random.SeedSequence(seed).spawn(6)
    for k, child in enumerate(children):
        # The same 64 bits read as one uint64 word (little-endian pair of uint32).
        expected = int(child.generate_state(1, np.uint64)[0])
        assert replication_seed(seed, k) == expected
    assert replication_seeds(seed, 6) == [replication_seed(seed, k) for k in range(6)]


def test_seeds_are_distinct_64_bit_ints_and_deterministic() -> None:
    seeds = replication_seeds(42, 1000)
    assert len(set(seeds)) == 1000
    assert all(isinstance(s, int) and 0 <= s < 2**64 for s in seeds)
    assert replication_seeds(42, 1000) == seeds
    # Another design seed gives other streams, and none of them is the seed itself.
    assert not set(seeds) & set(replication_seeds(43, 1000))
    assert 42 not in seeds


def test_a_prefix_does_not_depend_on_how_many_replications() -> None:
    assert replication_seeds(9, 3) == replication_seeds(9, 50)[:3]


@pytest.mark.parametrize(("seed", "k"), [(-1, 0), (0, -1)])
def test_negative_seeds_are_refused(seed: int, k: int) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        replication_seed(seed, k)
