"""``--set`` axes: ranges with their end, lists, names, and one clear message for bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.sweeps.axes import MAX_AXIS_VALUES, MAX_POINTS, Axis, AxisError, grid, parse_axis


def test_an_integer_range_includes_its_end_and_stays_integer() -> None:
    axis = parse_axis("users.rate_rps=100:2000:100")
    assert axis.key == "users.rate_rps"
    assert axis.values == tuple(range(100, 2001, 100))
    assert len(axis.values) == 20
    assert all(type(v) is int for v in axis.values)
    assert axis.numeric


def test_a_range_whose_step_misses_the_end_stops_before_it() -> None:
    assert parse_axis("web.replicas=1:6:2").values == (1, 3, 5)
    assert parse_axis("web.replicas = 5 : 1 : -2").values == (5, 3, 1)
    assert parse_axis("web.replicas=3:3:1").values == (3,)


def test_decimal_ranges_land_on_their_decimal_values() -> None:
    assert parse_axis("cache.hit_ratio=0.1:0.3:0.1").values == (0.1, 0.2, 0.3)
    assert parse_axis("cache.hit_ratio=0:1:0.1").values == tuple(i / 10 for i in range(11))
    values = parse_axis("users.rate_rps=1:2:0.5").values
    assert values == (1.0, 1.5, 2.0) and all(type(v) is float for v in values)


def test_lists_keep_numbers_and_names_in_order() -> None:
    axis = parse_axis("db.profile=small, large,xl")
    assert axis.values == ("small", "large", "xl") and not axis.numeric
    nums = parse_axis("lb->web.timeout_ms=250,1000,2.5")
    assert nums.key == "lb->web.timeout_ms"
    assert nums.values == (250, 1000, 2.5) and type(nums.values[0]) is int and nums.numeric
    assert parse_axis("web.replicas=4").values == (4,)


@pytest.mark.parametrize(("text", "says"), [
    ("", "expected KEY=VALUES"),
    ("users.rate_rps", "expected KEY=VALUES"),
    ("=1:2:1", "expected KEY=VALUES"),
    ("users.rate_rps=", "expected KEY=VALUES"),
    ("users=100", "COMPONENT.FIELD"),
    ("users.rate_rps=1:2", "START:STOP:STEP"),
    ("users.rate_rps=1:2:3:4", "START:STOP:STEP"),
    ("users.rate_rps=1:lots:1", "'lots' is not a number"),
    ("users.rate_rps=1:10:0", "never gets from 1 to 10"),
    ("users.rate_rps=10:1:1", "never gets from 10 to 1"),
    ("users.rate_rps=1:1e9:1", "more than 10,000 values"),
    ("users.rate_rps=0:1:1e-320", "more than 10,000 values"),
    ("users.rate_rps=-1e308:1e308:1e307", "more than 10,000 values"),
    ("users.rate_rps=0:" + "9" * 400 + ":1", "more than 10,000 values"),
    ("users.rate_rps=nan", "not a finite number"),
    ("users.rate_rps=1,inf", "not a finite number"),
    ("users.rate_rps=1e400", "not a finite number"),
    ("users.rate_rps=1,,2", "an empty value"),
    ("users.rate_rps=" + ",".join(["1"] * (MAX_AXIS_VALUES + 1)), "more than 10,000 values"),
])
def test_bad_axes_get_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(AxisError) as caught:
        parse_axis(text)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and len(message) < 200  # quoted input is cut short


def test_a_long_key_is_cut_short_in_the_message() -> None:
    with pytest.raises(AxisError) as caught:
        parse_axis("x" * 5000 + "=1")
    assert "..." in str(caught.value) and len(str(caught.value)) < 200


def test_grid_varies_the_first_axis_slowest() -> None:
    points = grid([Axis("users.rate_rps", (100, 200)), Axis("web.replicas", (1, 2, 3))])
    assert [p.index for p in points] == list(range(6))
    assert [p.overrides for p in points[:4]] == [
        (("users.rate_rps", 100), ("web.replicas", 1)),
        (("users.rate_rps", 100), ("web.replicas", 2)),
        (("users.rate_rps", 100), ("web.replicas", 3)),
        (("users.rate_rps", 200), ("web.replicas", 1)),
    ]
    assert points[5].value("web.replicas") == 3
    with pytest.raises(KeyError):
        points[0].value("db.profile")
    # No axes: one point with no overrides (plain replications).
    assert [p.overrides for p in grid([])] == [()]


def test_grid_refuses_a_key_twice_and_too_many_points() -> None:
    with pytest.raises(AxisError, match=r"'web\.replicas' is swept twice"):
        grid([Axis("web.replicas", (1,)), Axis("web.replicas", (2,))])
    big = Axis("users.rate_rps", tuple(range(1000)))
    with pytest.raises(AxisError, match=f"1,000,000 points; at most {MAX_POINTS:,}"):
        grid([big, Axis("web.replicas", tuple(range(1000)))])


_SPEC_CHARS = st.sampled_from([*"0123456789.:,-+eE _=xnaif", "1e308", "1e-320", "inf", "9" * 30,
                               "\x00", "é"])


@given(st.one_of(
    st.text(max_size=60),
    st.lists(_SPEC_CHARS, max_size=25).map(lambda parts: "a.b=" + "".join(parts)),
))
def test_parse_axis_raises_only_axis_errors_and_stays_bounded(text: str) -> None:
    try:
        axis = parse_axis(text)
    except AxisError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert 1 <= len(axis.values) <= MAX_AXIS_VALUES
    assert all(isinstance(v, int | float | str) for v in axis.values)
