"""EventBridge content filtering as ``audit.events.matches`` decides it: one test per documented behaviour.

Sources:
- PATTERNS  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
- FILTERING https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
- ARRAYS    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
- NULLS     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
- RULER     https://github.com/aws/event-ruler/blob/main/README.md (the engine EventBridge runs)

The CIDR blocks and wildcards here are used by no other test: ``audit.events`` caches their parsed form, and a
test that reads a cached value would not be the one the mutation run selects for the parsing code.
"""
from __future__ import annotations

import pytest

from audit.events import matches, mismatch


# exact values: JSON type and value ----------------------------------------------------------------------------
@pytest.mark.parametrize("pattern_value, event_value, expected", [
    (True, True, True),
    (False, False, True),
    (True, False, False),     # the survivor: [true] against false
    (False, True, False),
    (True, "true", False),    # RULER: "true" (a string) is not the JSON literal true
    (True, 1, False),         # a boolean is not a number ...
    (1, True, False),         # ... and a number is not a boolean
    (0, False, False),
    (None, False, False),     # NULLS: null is its own value
    ("a", "b", False),
    ("a", "a", True),
])
def test_exact_values_match_only_the_same_json_type_and_value(pattern_value, event_value, expected):
    """FILTERING, "Exact matching" / RULER, "JSON text matching": a value matches the same JSON literal only."""
    assert matches({"detail": {"flag": [pattern_value]}}, {"detail": {"flag": event_value}}) is expected


def test_numbers_outside_the_numeric_range_compare_exactly_as_written():
    """An account number (12 digits, beyond RULER's numeric range of +-5.0e9) matches itself and not its neighbour."""
    assert matches({"account": [123456789012]}, {"account": 123456789012})
    assert not matches({"account": [123456789012]}, {"account": 123456789013})


def test_a_number_beyond_any_float_is_compared_without_raising():
    """An event may carry any JSON integer; a pattern's number in range never equals one beyond a float."""
    assert matches({"n": [5]}, {"n": 10 ** 400}) is False
    assert matches({"n": [10 ** 400]}, {"n": 10 ** 400}) is True


def test_null_and_the_empty_string_are_not_interchangeable():
    """NULLS: "Null values and empty strings are not interchangeable in pattern matching"."""
    assert matches({"v": [None]}, {"v": None}) and matches({"v": [""]}, {"v": ""})
    assert not matches({"v": [None]}, {"v": ""}) and not matches({"v": [""]}, {"v": None})
    assert not matches({"v": [None]}, {})  # an absent field is not null


# arrays ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("matcher", [
    "arn:aws:ec2:us-east-1:1:instance/i-1",
    {"prefix": "arn:aws:ec2:"},
    {"suffix": "instance/i-1"},
    {"equals-ignore-case": "ARN:AWS:EC2:US-EAST-1:1:INSTANCE/I-1"},
    {"wildcard": "arn:aws:ec2:*:instance/*"},
    {"anything-but": "arn:aws:s3:::bucket"},
])
def test_an_array_field_matches_when_any_element_matches(matcher):
    """ARRAYS: "If the value in the event is an array, then the event pattern matches if the intersection of the
    event pattern array and the event array is non-empty" - one element is enough, whatever the operator."""
    event = {"resources": ["arn:aws:s3:::bucket", "arn:aws:ec2:us-east-1:1:instance/i-1"]}
    assert matches({"resources": [matcher]}, event)


def test_an_array_of_numbers_matches_a_range_when_one_element_is_in_it():
    assert matches({"sizes": [{"numeric": [">", 100]}]}, {"sizes": [1, 2, 300]})
    assert not matches({"sizes": [{"numeric": [">", 100]}]}, {"sizes": [1, 2, 3]})


# prefix / suffix / equals-ignore-case / wildcard --------------------------------------------------------------
def test_prefix_and_suffix_are_case_sensitive_unless_asked():
    """FILTERING: prefix and suffix matching, and their "equals-ignore-case" forms."""
    event = {"FileName": "Photo.PNG"}
    assert matches({"FileName": [{"prefix": "Photo"}]}, event)
    assert not matches({"FileName": [{"prefix": "photo"}]}, event)
    assert matches({"FileName": [{"prefix": {"equals-ignore-case": "PHOTO"}}]}, event)
    assert not matches({"FileName": [{"prefix": {"equals-ignore-case": "video"}}]}, event)
    assert matches({"FileName": [{"suffix": ".PNG"}]}, event)
    assert not matches({"FileName": [{"suffix": ".png"}]}, event)
    assert matches({"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}, event)
    assert not matches({"FileName": [{"suffix": {"equals-ignore-case": ".jpg"}}]}, event)
    assert not matches({"FileName": [{"prefix": {"equals-ignore-case": "1"}}]}, {"FileName": 10})


def test_equals_ignore_case_ignores_only_case():
    assert matches({"s": [{"equals-ignore-case": "eventBRIDGE"}]}, {"s": "EventBridge"})
    assert not matches({"s": [{"equals-ignore-case": "eventbridg"}]}, {"s": "EventBridge"})


def test_a_wildcard_ending_in_an_escaped_star_matches_a_literal_star():
    """RULER, wildcard matching: "\\*" is a literal asterisk, also as the last two characters."""
    assert matches({"name": [{"wildcard": "end\\*"}]}, {"name": "end*"})
    assert not matches({"name": [{"wildcard": "end\\*"}]}, {"name": "end-of-it"})


def test_an_escaped_star_inside_a_wildcard_is_kept_as_a_literal_star():
    assert matches({"name": [{"wildcard": "v1\\*v2*"}]}, {"name": "v1*v2-tail"})
    assert not matches({"name": [{"wildcard": "v1\\*v2*"}]}, {"name": "v1v2-tail"})


# anything-but ---------------------------------------------------------------------------------------------------
def test_anything_but_a_list_of_prefixes_excludes_a_value_beginning_with_any_of_them():
    """FILTERING, "Anything-but matching": with a prefix (or suffix, wildcard) list, a value excluded by any one
    of them is excluded."""
    pattern = {"env": [{"anything-but": {"prefix": ["dev-", "test-"]}}]}
    assert not matches(pattern, {"env": "test-1"}) and not matches(pattern, {"env": "dev-1"})
    assert matches(pattern, {"env": "prod-1"})
    suffixes = {"file": [{"anything-but": {"suffix": [".tmp", ".bak"]}}]}
    assert not matches(suffixes, {"file": "a.bak"}) and matches(suffixes, {"file": "a.txt"})


def test_anything_but_a_list_excludes_each_listed_value():
    assert not matches({"state": [{"anything-but": ["stopped", "overloaded"]}]}, {"state": "overloaded"})
    assert matches({"state": [{"anything-but": ["stopped", "overloaded"]}]}, {"state": "running"})


# numeric ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [(0, False), (0.5, True), (5, True), (5.000001, False), (6, False), (-1, False)])
def test_a_numeric_range_holds_both_of_its_bounds(value, expected):
    """FILTERING, "Numeric matching": '"numeric": [">", 0, "<=", 5]' - both bounds apply."""
    assert matches({"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"c-count": value}) is expected


@pytest.mark.parametrize("operator, expected", [("<", False), ("<=", True), ("=", True), (">=", True), (">", False)])
def test_each_numeric_operator_at_its_bound(operator, expected):
    assert matches({"n": [{"numeric": [operator, 7]}]}, {"n": 7}) is expected


def test_the_numeric_range_is_inclusive_at_minus_five_billion():
    """RULER: "Numeric matching is limited to value between -5.0e9 and +5.0e9 inclusive"."""
    assert matches({"n": [{"numeric": ["<", 0]}]}, {"n": -5.0e9})
    assert matches({"n": [{"numeric": ["<=", -5.0e9]}]}, {"n": -5.0e9})
    assert matches({"n": [{"numeric": [">=", 5.0e9]}]}, {"n": 5.0e9})


def test_a_value_just_beyond_five_billion_is_outside_numeric_matching():
    assert not matches({"n": [{"numeric": [">", 0]}]}, {"n": 5.0e9 + 0.5})
    assert not matches({"n": [{"numeric": ["<", 0]}]}, {"n": -5.0e9 - 0.5})


# cidr --------------------------------------------------------------------------------------------------------------
def test_a_cidr_block_holds_its_first_and_last_address_and_nothing_beyond():
    """RULER, "IP Address Matching"."""
    pattern = {"ip": [{"cidr": "198.51.100.0/24"}]}
    assert matches(pattern, {"ip": "198.51.100.0"}) and matches(pattern, {"ip": "198.51.100.255"})
    assert not matches(pattern, {"ip": "198.51.101.0"}) and not matches(pattern, {"ip": "198.51.99.255"})


def test_a_31_bit_block_holds_two_addresses():
    """event-ruler's CIDR: IPv4 mask bits up to 31 (IPv6 up to 127) are accepted."""
    pattern = {"ip": [{"cidr": "203.0.113.8/31"}]}
    assert matches(pattern, {"ip": "203.0.113.8"}) and matches(pattern, {"ip": "203.0.113.9"})
    assert not matches(pattern, {"ip": "203.0.113.10"})
    v6 = {"ip": [{"cidr": "2001:db8:77::/127"}]}
    assert matches(v6, {"ip": "2001:db8:77::1"}) and not matches(v6, {"ip": "2001:db8:77::2"})


@pytest.mark.parametrize("value", [172, 172.16, True, None, "172.16.300.1", "not-an-ip"])
def test_a_value_that_is_not_an_ip_address_is_in_no_block(value):
    assert matches({"ip": [{"cidr": "172.16.0.0/12"}]}, {"ip": value}) is False


# exists --------------------------------------------------------------------------------------------------------------
def test_exists_true_and_false_are_each_others_complement_on_a_leaf():
    """FILTERING, "Exists matching"."""
    assert matches({"detail": {"x": [{"exists": True}]}}, {"detail": {"x": 0}})
    assert not matches({"detail": {"x": [{"exists": False}]}}, {"detail": {"x": 0}})
    assert matches({"detail": {"x": [{"exists": False}]}}, {"detail": {"y": 0}})
    assert not matches({"detail": {"x": [{"exists": True}]}}, {"detail": {"y": 0}})


# nesting, AND, $or ---------------------------------------------------------------------------------------------------
def test_nested_fields_match_at_their_own_depth():
    """PATTERNS: "The field names must also appear in the event with the same nesting structure"."""
    assert matches({"detail": {"a": {"b": ["x"]}}}, {"detail": {"a": {"b": "x"}}})
    assert not matches({"detail": {"a": {"b": ["x"]}}}, {"detail": {"b": "x"}})


def test_a_field_after_a_matching_or_must_still_match():
    """RULER, "Or" relationship: '"source" && ("metricName" || "namespace")' - a matching $or does not end the AND."""
    pattern = {"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}], "source": ["aws.cloudwatch"]}
    assert matches(pattern, {"metricName": "CPUUtilization", "source": "aws.cloudwatch"})
    assert not matches(pattern, {"metricName": "CPUUtilization", "source": "aws.ec2"})
    assert mismatch(pattern, {"metricName": "CPUUtilization", "source": "aws.ec2"}).startswith("source:")


def test_an_or_fails_only_when_every_branch_fails_and_says_so():
    pattern = {"$or": [{"a": ["1"]}, {"b": ["2"]}]}
    assert matches(pattern, {"b": "2"}) and matches(pattern, {"a": "1"})
    assert mismatch(pattern, {"a": "0", "b": "0"}).startswith("event: no $or branch matches")
