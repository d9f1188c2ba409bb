"""Patterns EventBridge refuses, refused by ``audit.events.validate`` with a message naming what was wrong.

Sources:
- PATTERNS  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
- FILTERING https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
- RULER     https://github.com/aws/event-ruler/blob/main/README.md
- CIDR_SRC  https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/CIDR.java
"""
from __future__ import annotations

import pytest

from audit.events import EventPatternError, matches, validate


def refusal(pattern) -> str:
    with pytest.raises(EventPatternError) as raised:
        validate(pattern)
    return str(raised.value)


@pytest.mark.parametrize("pattern, kind", [
    (["aws.backup"], "an array"), ("aws.backup", "a string"), (None, "null"), (True, "a boolean"), (5, "a number"),
])
def test_a_pattern_that_is_not_an_object_is_refused_naming_what_it_is(pattern, kind):
    assert refusal(pattern) == f"pattern: must be an object, got {kind}"


def test_a_field_name_that_is_not_a_string_is_refused():
    """JSON object keys are strings; a Python mapping with another key is not a pattern."""
    assert "field names are strings, got 1" in refusal({"detail": {1: ["x"]}})


def test_a_value_json_cannot_show_is_named_as_python_shows_it():
    assert refusal({"s": {1, 2}}) == "s: must be an object or an array, got {1, 2}"


@pytest.mark.parametrize("matcher", [(1, 2), {1, 2}, b"bytes"])
def test_a_match_value_that_is_not_json_is_refused(matcher):
    assert "s: match values are a string, number, true, false, null or an operator object" in refusal({"s": [matcher]})


def test_operator_names_are_ordinary_field_names_outside_or():
    """RULER: the reserved words are refused as field names only inside a "$or" branch."""
    validate({"prefix": ["x"], "numeric": [1]})
    assert matches({"prefix": ["x"]}, {"prefix": "x"})
    assert "reserved word" in refusal({"$or": [{"prefix": ["x"]}, {"b": ["y"]}]})


@pytest.mark.parametrize("bound", [5.0e9 + 0.5, -5.0e9 - 0.5])
def test_a_numeric_bound_beyond_five_billion_is_refused(bound):
    """RULER: "Numeric matching is limited to value between -5.0e9 and +5.0e9 inclusive"."""
    assert "is outside -5.0e9 .. +5.0e9" in refusal({"n": [{"numeric": [">", bound]}]})


def test_the_numeric_limits_themselves_are_accepted():
    validate({"n": [{"numeric": [">=", -5.0e9, "<=", 5.0e9]}]})
    validate({"n": [{"anything-but": [-5.0e9, 5.0e9]}]})


def test_an_anything_but_list_with_a_number_beyond_the_range_is_refused():
    """anything-but compares numbers as numbers, within the same range (RULER)."""
    assert "is outside" in refusal({"n": [{"anything-but": [1, 6.0e9]}]})


@pytest.mark.parametrize("cidr", ["fe80::1%eth0/64", "::ffff:192.0.2.1/120", "0x0a.0.0.1/8"])
def test_an_address_event_ruler_does_not_read_as_an_ip_is_refused(cidr):
    """CIDR_SRC: an address must match event-ruler's IPv4 or IPv6 pattern (no zone index, no dotted IPv6 tail),
    before it is parsed."""
    assert "is not an IPv4 or IPv6 address" in refusal({"ip": [{"cidr": cidr}]})


@pytest.mark.parametrize("cidr, message", [("192.0.2.0/32", "IPv4 mask bits must be at most 31, got 32"),
                                           ("2001:db8:99::/128", "IPv6 mask bits must be at most 127, got 128")])
def test_a_mask_of_a_single_address_is_refused(cidr, message):
    """CIDR_SRC: "IPv4 mask bits must be < 32", "IPv6 mask bits must be < 128"."""
    assert message in refusal({"ip": [{"cidr": cidr}]})
