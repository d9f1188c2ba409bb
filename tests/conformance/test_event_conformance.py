"""Conformance of ``audit.events`` (EventBridge event patterns) with AWS's documentation.

One table of cases per question: does a pattern match an event (``MATCH``), and is a pattern refused
(``INVALID``). Every case names its source (URL) and the sentence or example it comes from; where the docs
are silent the case says so ("docs silent") and holds the safe answer: the matcher is used to decide whether
a deployed rule *delivers* an alert, so a doubtful case does not match, and a doubtful pattern is refused.
A property-based test then checks that whatever validates can be matched against any event without raising.

To add a case: append a ``Case`` to the right table with the page, the quoted sentence or example, the
input and the documented result; ``docs/conformance.md`` lists the counts.
"""
from __future__ import annotations

import copy
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.events import EventPatternError, matches, mismatch, sample_event, validate

OPERATORS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html"
FILTERING = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html"
ARRAYS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html"
NULLS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html"
PATTERNS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"
RULER = "https://github.com/aws/event-ruler/blob/main/README.md"
COMPILER = "https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/JsonRuleCompiler.java"
CIDR_SRC = "https://github.com/aws/event-ruler/blob/main/src/main/software/amazon/event/ruler/CIDR.java"
BACKUP = "https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html"


class Case(NamedTuple):
    source: str     # the page
    quote: str      # the sentence or example on it; "docs silent: ..." where it says nothing
    pattern: Any
    event: Any
    expected: Any   # True / False (MATCH) or a fragment of the error message (INVALID)


def with_detail(**detail: Any) -> dict:
    event = copy.deepcopy(RULER_EVENT)
    event["detail"].update(detail)
    return event


# The event of event-ruler's README, "Ruler by Example".
RULER_EVENT = {
    "version": "0", "id": "ddddd4-aaaa-7777-4444-345dd43cc333", "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2", "account": "012345679012", "time": "2017-10-02T16:24:49Z", "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {"c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33",
               "instance-id": "i-000000aaaaaa00000", "state": "running"},
}
WITHOUT_C_COUNT = {"detail-type": "EC2 Instance State-change Notification",
                   "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
                   "detail": {"state": ["initializing", "running"]}}
C_COUNT_OBJECT = copy.deepcopy(WITHOUT_C_COUNT) | {"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}
EMPLOYEES = {"employees": [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"},
                           {"firstName": "Peter", "lastName": "Jones"}]}
EMPLOYEES_NESTED = {"employees": [[{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}],
                                  [{"firstName": "Peter", "lastName": "Jones"}]]}
NULL_EVENT = {"version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe", "detail-type": "EC2 Instance Launch Successful",
              "source": "aws.autoscaling", "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
              "resources": [], "detail": {"eventVersion": "", "responseElements": None}}
EC2_TERMINATED = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
                  "source": "aws.ec2", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
                  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
                  "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"}}
ARRAY_PATTERN = {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                               "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
                               "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}
ARRAY_EVENT = {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-"
                             "d5978ed4a025:autoScalingGroupName/ASGTerminate",
                             "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}
COPY_JOB_FAILED = sample_event("copy-job-failed")  # AWS's sample: "destinationRecoveryPointArn": {}
CLOUDWATCH = {"source": "aws.cloudwatch", "metricName": "CPUUtilization", "namespace": "AWS/RDS"}

MATCH: list[Case] = [
    # simple matching, AND / OR ------------------------------------------------------------------------
    Case(RULER, "Simple matching: 'The rules in this section all match the sample event above'",
         {"detail-type": ["EC2 Instance State-change Notification"],
          "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
          "detail": {"state": ["initializing", "running"]}}, RULER_EVENT, True),
    Case(RULER, "'It would also match if the value of detail.state had been \"initializing\"'",
         {"detail": {"state": ["initializing", "running"]}}, with_detail(state="initializing"), True),
    Case(RULER, "'Ruler considers a rule to match if all of the fields named in the rule match'",
         {"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}, RULER_EVENT, False),
    Case(PATTERNS, "'{ \"source\": [\"aws.ec2\", \"aws.fargate\"] }' matches events from either source",
         {"source": ["aws.ec2", "aws.fargate"]}, EC2_TERMINATED, True),
    Case(PATTERNS, "the instance-termination pattern selects the EC2 sample event",
         {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], "detail": {"state": ["terminated"]}},
         EC2_TERMINATED, True),
    Case(PATTERNS, "'The field names must also appear in the event with the same nesting structure'",
         {"state": ["terminated"]}, EC2_TERMINATED, False),
    Case(PATTERNS, "'the event must contain all the field names listed in the event pattern'",
         {"detail": {"reason": ["terminated"]}}, EC2_TERMINATED, False),
    Case(RULER, "JSON text matching: '\"xyz\", \"true\" would match only the JSON literal true'",
         {"detail": {"flag": [True]}}, with_detail(flag="true"), False),
    Case(RULER, "JSON text matching: strings are matched as JSON strings (case-sensitive exact match)",
         {"detail": {"state": ["Running"]}}, RULER_EVENT, False),
    Case(RULER, "Numeric matching example: '\"x-limit\": [ { \"numeric\": [ \"=\", 3.018e2 ] } ]' (a plain number "
         "compares as a number: 301.8)", {"detail": {"x-limit": [301.8], "c-count": [5.0]}}, RULER_EVENT, True),
    # prefix / suffix / equals-ignore-case / wildcard -----------------------------------------------------
    Case(RULER, "Prefix matching: '\"time\": [ { \"prefix\": \"2017-10-02\" } ]'",
         {"time": [{"prefix": "2017-10-02"}]}, RULER_EVENT, True),
    Case(RULER, "'Prefix matches only work on string-valued fields'",
         {"detail": {"c-count": [{"prefix": "5"}]}}, RULER_EVENT, False),
    Case(RULER, "Suffix matching: '\"source\": [ { \"suffix\": \"ec2\" } ]'", {"source": [{"suffix": "ec2"}]}, RULER_EVENT, True),
    Case(RULER, "'Suffix matches only work on string-valued fields'",
         {"detail": {"c-count": [{"suffix": "5"}]}}, RULER_EVENT, False),
    Case(RULER, "Equals-ignore-case matching: '\"source\": [ { \"equals-ignore-case\": \"EC2\" } ]' (on aws.ec2: no)",
         {"source": [{"equals-ignore-case": "EC2"}]}, RULER_EVENT, False),
    Case(RULER, "Equals-ignore-case: the same pattern on a source of \"ec2\"",
         {"source": [{"equals-ignore-case": "EC2"}]}, {"source": "ec2"}, True),
    Case(RULER, "'Equals-ignore-case matches only work on string-valued fields'",
         {"detail": {"c-count": [{"equals-ignore-case": "5"}]}}, RULER_EVENT, False),
    Case(OPERATORS, "Begins with (ignore case): '{\"service\" : [{ \"prefix\": { \"equals-ignore-case\": \"eventb\" }}]}'",
         {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}, {"service": "EventBridge"}, True),
    Case(FILTERING, "Suffix matching while ignoring case: '.png' matches '.PNG'",
         {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, {"detail": {"FileName": "photo.PNG"}}, True),
    Case(OPERATORS, "Begins with: '\"Region\": [ {\"prefix\": \"us-\" } ]'", {"Region": [{"prefix": "us-"}]},
         {"Region": "eu-west-1"}, False),
    Case(RULER, "Wildcard matching: '\"source\": [ { \"wildcard\": \"Simple*Service\" } ]'",
         {"source": [{"wildcard": "Simple*Service"}]}, {"source": "SimpleNotificationService"}, True),
    Case(RULER, "'A single value can contain zero to many wildcard characters'",
         {"source": [{"wildcard": "Simple*Service"}]}, {"source": "SimpleService"}, True),
    Case(RULER, "'To match the asterisk character specifically, a wildcard character can be escaped with a backslash'",
         {"name": [{"wildcard": "a\\*b"}]}, {"name": "axb"}, False),
    Case(RULER, "the escaped asterisk matches a literal asterisk", {"name": [{"wildcard": "a\\*b"}]}, {"name": "a*b"}, True),
    Case(RULER, "'Two consecutive backslashes ... represents the actual backslash character'",
         {"name": [{"wildcard": "a\\\\*"}]}, {"name": "a\\tail"}, True),
    Case(RULER, "'Wildcard matches only work on string-valued fields'",
         {"detail": {"c-count": [{"wildcard": "*"}]}}, RULER_EVENT, False),
    # anything-but ----------------------------------------------------------------------------------------
    Case(RULER, "Single anything-but (string): '\"state\": [ { \"anything-but\": \"initializing\" } ]'",
         {"detail": {"state": [{"anything-but": "initializing"}]}}, RULER_EVENT, True),
    Case(RULER, "anything-but 'matches anything except what's provided in the rule'",
         {"detail": {"state": [{"anything-but": "initializing"}]}}, with_detail(state="initializing"), False),
    Case(RULER, "Single anything-but (numeric): '\"x-limit\": [ { \"anything-but\": 123 } ]'",
         {"detail": {"x-limit": [{"anything-but": 123}]}}, RULER_EVENT, True),
    Case(RULER, "Anything-but list (strings): '[ \"stopped\", \"overloaded\" ]'",
         {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, with_detail(state="stopped"), False),
    Case(RULER, "Anything-but list (numbers): '[ 100, 200, 300 ]'",
         {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, RULER_EVENT, True),
    Case(RULER, "Anything-but list (numbers) excludes a listed number", {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
         with_detail(**{"x-limit": 3.0e2}), False),
    Case(RULER, "Anything-but prefix: '\"state\": [ { \"anything-but\": { \"prefix\": \"init\" } } ]'",
         {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, with_detail(state="initializing"), False),
    Case(OPERATORS, "Anything-but (begins with): '\"Region\": [ { \"anything-but\": {\"prefix\": \"us-\" } } ]'",
         {"Region": [{"anything-but": {"prefix": "us-"}}]}, {"Region": "eu-west-1"}, True),
    Case(OPERATORS, "Anything-but (ends with): '\"FileName\": [ { \"anything-but\": { \"suffix\": \".png\" } } ]'",
         {"FileName": [{"anything-but": {"suffix": ".png"}}]}, {"FileName": "a.png"}, False),
    Case(OPERATORS, "Anything-but (ends with) on another extension", {"FileName": [{"anything-but": {"suffix": ".png"}}]},
         {"FileName": "a.jpg"}, True),
    Case(OPERATORS, "Anything-but (ignore case): 'any value besides \"initializing\" or any other casing variation'",
         {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, {"state": "INITIALIZING"}, False),
    Case(FILTERING, "Anything-but ignoring case with a list of values",
         {"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}, {"state": "Running"}, True),
    Case(OPERATORS, "Anything-but using a wildcard: 'FileName is not a file path that includes /lib/'",
         {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, {"FilePath": "/usr/lib/x"}, False),
    Case(FILTERING, "Anything-but with a list of wildcards", {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
         {"FilePath": "/usr/share/x"}, True),
    Case(OPERATORS, "'Comparison operators only work on leaf nodes': anything-but against an object value (no leaf at the "
         "path; the exception for anything-but is its operator argument) does not match",
         {"detail": {"c-count": [{"anything-but": 5}]}}, C_COUNT_OBJECT, False),
    Case(OPERATORS, "anything-but against an empty object value does not match (no leaf)",
         {"detail": {"destinationRecoveryPointArn": [{"anything-but": "arn"}]}}, COPY_JOB_FAILED, False),
    Case(PATTERNS, "'the event must contain all the field names listed in the event pattern': anything-but on an absent field",
         {"detail": {"missing": [{"anything-but": "x"}]}}, RULER_EVENT, False),
    Case(ARRAYS, "docs silent on anything-but over an array; event-ruler matches each element as a value of the field: "
         "one element that is not excluded matches", {"resources": [{"anything-but": "a"}]}, {"resources": ["a", "b"]}, True),
    Case(ARRAYS, "docs silent: anything-but over an array whose every element is excluded does not match",
         {"resources": [{"anything-but": ["a", "b"]}]}, {"resources": ["a", "b"]}, False),
    Case(FILTERING, "docs silent on anything-but with a number against a string; 'Anything-but matching matches anything "
         "except what's provided in the rule': the string is not the number", {"v": [{"anything-but": 5}]}, {"v": "5"}, True),
    # numeric ---------------------------------------------------------------------------------------------
    Case(RULER, "Numeric matching: c-count > 0 <= 5, d-count < 10, x-limit = 3.018e2",
         {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}],
                     "x-limit": [{"numeric": ["=", 3.018e2]}]}}, RULER_EVENT, True),
    Case(RULER, "'[numeric matching] only work[s] with values that are JSON numbers'",
         {"detail": {"c-count": [{"numeric": [">", 0]}]}}, with_detail(**{"c-count": "5"}), False),
    Case(RULER, "'with 15 digits of precision, that is to say 6 digits to the right of the decimal point': 1.0000001 = 1",
         {"detail": {"v": [{"numeric": ["=", 1]}]}}, {"detail": {"v": 1.0000001}}, True),
    Case(RULER, "six digits to the right of the decimal point: 1.000001 is not 1",
         {"detail": {"v": [{"numeric": ["=", 1]}]}}, {"detail": {"v": 1.000001}}, False),
    Case(RULER, "'Numeric matching is limited to value between -5.0e9 and +5.0e9 inclusive': a larger value never matches",
         {"detail": {"v": [{"numeric": [">", 0]}]}}, {"detail": {"v": 6.0e9}}, False),
    Case(RULER, "the range is inclusive: 5.0e9 itself", {"detail": {"v": [{"numeric": [">=", 5.0e9]}]}}, {"detail": {"v": 5.0e9}}, True),
    Case(RULER, "booleans are not JSON numbers", {"detail": {"v": [{"numeric": [">=", 0]}]}}, {"detail": {"v": True}}, False),
    # cidr -------------------------------------------------------------------------------------------------
    Case(RULER, "IP Address Matching: '\"source-ip\": [ { \"cidr\": \"10.0.0.0/24\" } ]'",
         {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, RULER_EVENT, True),
    Case(RULER, "an address outside the block", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}},
         with_detail(**{"source-ip": "10.0.1.33"}), False),
    Case(RULER, "'This also works with IPv6 addresses'", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
    Case(RULER, "IPv6: outside the block", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    Case(RULER, "docs silent: an IPv4 block never holds an IPv6 address", {"ip": [{"cidr": "0.0.0.0/0"}]}, {"ip": "::1"}, False),
    Case(RULER, "docs silent: a value that is not an IP address is not in any block", {"ip": [{"cidr": "10.0.0.0/8"}]},
         {"ip": "10.0.0.x"}, False),
    Case(CIDR_SRC, "docs silent on host bits; event-ruler versions differ (range from the written address, or from the "
         "network address): the smaller range is taken, so 10.0.0.7/24 does not hold 10.0.0.5",
         {"ip": [{"cidr": "10.0.0.7/24"}]}, {"ip": "10.0.0.5"}, False),
    Case(CIDR_SRC, "... and holds 10.0.0.200 in every version", {"ip": [{"cidr": "10.0.0.7/24"}]}, {"ip": "10.0.0.200"}, True),
    # exists ----------------------------------------------------------------------------------------------
    Case(RULER, "Exists matching: 'will match any event which has a detail.c-count field present'",
         {"detail": {"c-count": [{"exists": True}]}}, RULER_EVENT, True),
    Case(RULER, "'The rule below will match any event which has no detail.c-count field' (on one that has it)",
         {"detail": {"c-count": [{"exists": False}]}}, RULER_EVENT, False),
    Case(RULER, "'the above example for exists : false would match the event below' (no c-count)",
         {"detail": {"c-count": [{"exists": False}]}}, WITHOUT_C_COUNT, True),
    Case(RULER, "'but would also match the event below because c-count is not a leaf node'",
         {"detail": {"c-count": [{"exists": False}]}}, C_COUNT_OBJECT, True),
    Case(RULER, "'Exists match only works on the leaf nodes. It does not work on intermediate nodes': exists true on an object",
         {"detail": {"c-count": [{"exists": True}]}}, C_COUNT_OBJECT, False),
    Case(BACKUP, "AWS's copy-job sample has \"destinationRecoveryPointArn\": {} - not a leaf: exists true does not match",
         {"detail": {"destinationRecoveryPointArn": [{"exists": True}]}}, COPY_JOB_FAILED, False),
    Case(BACKUP, "... and exists false matches it", {"detail": {"destinationRecoveryPointArn": [{"exists": False}]}},
         COPY_JOB_FAILED, True),
    Case(RULER, "the leaf under the object exists", {"detail": {"c-count": {"c1": [{"exists": True}]}}}, C_COUNT_OBJECT, True),
    Case(RULER, "'Exists matching works on the presence or absence of a field': a null value is present",
         {"detail": {"responseElements": [{"exists": True}]}}, NULL_EVENT, True),
    Case(RULER, "docs silent on []: an empty array holds no leaf (arrays are 'crushed out'), so the field does not exist",
         {"resources": [{"exists": True}]}, NULL_EVENT, False),
    Case(RULER, "... and exists false matches an empty array", {"resources": [{"exists": False}]}, NULL_EVENT, True),
    Case(RULER, "exists false below an absent object", {"detail": {"missing": {"deeper": [{"exists": False}]}}}, RULER_EVENT, True),
    Case(COMPILER, "docs silent on exists false inside an array of objects (event-ruler's answer depends on the order of "
         "field names): it holds only when no element has the field (safe)",
         {"a": {"b": [{"exists": False}]}}, {"a": [{"b": 1}, {"c": 2}]}, False),
    Case(COMPILER, "... and holds when no element has it", {"a": {"b": [{"exists": False}], "c": [2]}},
         {"a": [{"d": 1}, {"c": 2}]}, True),
    Case(RULER, "a value or absence: [\"x\", {\"exists\": false}] on an absent field", {"f": ["x", {"exists": False}]}, {}, True),
    # null and empty strings --------------------------------------------------------------------------------
    Case(NULLS, "'To match events where the value of eventVersion is an empty string'",
         {"detail": {"eventVersion": [""]}}, NULL_EVENT, True),
    Case(NULLS, "'To match events where the value of responseElements is null'",
         {"detail": {"responseElements": [None]}}, NULL_EVENT, True),
    Case(NULLS, "'An event pattern that matches empty strings doesn't match values of null'",
         {"detail": {"responseElements": [""]}}, NULL_EVENT, False),
    Case(NULLS, "'Null values and empty strings are not interchangeable in pattern matching'",
         {"detail": {"eventVersion": [None]}}, NULL_EVENT, False),
    Case(OPERATORS, "Empty: 'LastName is empty' ('\"LastName\": [\"\"]')", {"LastName": [""]}, {"LastName": ""}, True),
    # arrays ----------------------------------------------------------------------------------------------
    Case(ARRAYS, "'the event pattern matches if the intersection of the event pattern array and the event array is non-empty'",
         ARRAY_PATTERN, ARRAY_EVENT, True),
    Case(ARRAYS, "an empty intersection does not match", ARRAY_PATTERN,
         {"resources": ["arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"]}, False),
    Case(RULER, "JSON Array Matching: '{ \"employees\": { \"firstName\": [ \"Anna\" ] } }' matches",
         {"employees": {"firstName": ["Anna"]}}, EMPLOYEES, True),
    Case(RULER, "'This works for multi-level arrays too'", {"employees": {"firstName": ["Anna"]}}, EMPLOYEES_NESTED, True),
    Case(RULER, "'rulesForJSONEvent() will not match the \"Anna\"/\"Jones\" rule'",
         {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, EMPLOYEES_NESTED, False),
    Case(RULER, "'refuse to recognize any match in which any two fields are within JSON objects that are in different "
         "elements of the same array'", {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, EMPLOYEES, False),
    Case(RULER, "two fields of one element match", {"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}, EMPLOYEES_NESTED, True),
    Case(RULER, "nested arrays of values are crushed out too", {"tags": ["b"]}, {"tags": [["a"], ["b"]]}, True),
    Case(RULER, "docs silent on an empty inner array: it holds no value, the others still match", {"tags": ["z"]},
         {"tags": [[], ["z"]]}, True),
    Case(RULER, "an array of empty arrays holds no leaf: exists false matches", {"tags": [{"exists": False}]}, {"tags": [[]]}, True),
    Case(RULER, "... and exists true does not", {"tags": [{"exists": True}]}, {"tags": [[], []]}, False),
    Case(RULER, "objects inside an array are not leaves of the array's field", {"items": [{"exists": True}]},
         {"items": [{"name": "a"}]}, False),
    Case(RULER, "an array of objects against an exact value does not match", {"items": ["a"]}, {"items": [{"name": "a"}]}, False),
    Case(RULER, "a nested pattern on an empty array: only absence holds", {"items": {"name": [{"exists": False}]}}, {"items": []}, True),
    Case(RULER, "Caveat, keys with dots: a nested and a dotted key compile alike, but 'This behaviour may change in future "
         "version ... and should not be relied upon': not matched (safe)", {"detail": {"state": {"status": ["running"]}}},
         {"detail": {"state.status": "running"}}, False),
    # $or -------------------------------------------------------------------------------------------------
    Case(RULER, "Normal \"Or\": 'Effect of \"source\" && (\"metricName\" || \"namespace\")'",
         {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]},
                                                {"namespace": ["AWS/EC2", "AWS/ES"]}]}, CLOUDWATCH, True),
    Case(RULER, "Normal \"Or\" with neither branch", {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["ReadLatency"]},
                                                                                        {"namespace": ["AWS/EC2"]}]},
         CLOUDWATCH, False),
    Case(RULER, "\"Or\" has an \"And\" inside: ('metricType' && 'namespace')",
         {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["ReadLatency"]},
                                                {"metricType": ["MetricType"], "namespace": ["AWS/RDS"]},
                                                {"scope": ["Service"]}]}, CLOUDWATCH | {"metricType": "MetricType"}, True),
    Case(RULER, "Nested \"Or\" and \"And\"",
         {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["ReadLatency"]},
                                                {"namespace": ["AWS/RDS"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]}]},
         CLOUDWATCH | {"spaceId": 1000}, True),
]

INVALID: list[Case] = [
    # the shape of a pattern ----------------------------------------------------------------------------------
    Case(COMPILER, "docs silent; event-ruler: 'Filter is not an object'", ["aws.backup"], None, "pattern: must be an object"),
    Case(COMPILER, "docs silent; event-ruler: 'Empty objects are not allowed' (an empty pattern would match every event)",
         {}, None, "empty objects are not allowed"),
    Case(COMPILER, "'Empty objects are not allowed' at any depth", {"detail": {}}, None, "detail: empty objects are not allowed"),
    Case(COMPILER, "'\"%s\" must be an object or an array'", {"detail": {"state": "FAILED"}}, None, "must be an object or an array"),
    Case(COMPILER, "'Empty arrays are not allowed'", {"detail": {"state": []}}, None, "empty arrays are not allowed"),
    Case(COMPILER, "'Match value must be String, number, true, false, or null' (an array inside the list)",
         {"detail": {"state": [["FAILED"]]}}, None, "cannot be an array"),
    Case(COMPILER, "docs silent: a number JSON cannot carry", {"v": [float("nan")]}, None, "not a JSON number"),
    Case(COMPILER, "'Unrecognized match type'", {"detail": {"state": [{"startswith": "F"}]}}, None, "unknown matcher"),
    Case(COMPILER, "'Only one key allowed in match expression'", {"s": [{"prefix": "a", "suffix": "b"}]}, None, "unknown matcher"),
    Case(COMPILER, "an operator object with no operator", {"s": [{}]}, None, "unknown matcher"),
    # prefix / suffix / equals-ignore-case / wildcard -------------------------------------------------------------
    Case(COMPILER, "'prefix match pattern must be a string'", {"s": [{"prefix": 5}]}, None, "prefix takes a string"),
    Case(COMPILER, "'Unsupported prefix pattern' (only equals-ignore-case nests in prefix)",
         {"s": [{"prefix": {"bogus": 1}}]}, None, "prefix takes a string or"),
    Case(COMPILER, "'equals-ignore-case match pattern must be a string' inside prefix",
         {"s": [{"prefix": {"equals-ignore-case": 5}}]}, None, "prefix.equals-ignore-case takes a string"),
    Case(COMPILER, "'Only one key allowed' inside prefix", {"s": [{"prefix": {"equals-ignore-case": "a", "x": "b"}}]}, None,
         "prefix takes a string or"),
    Case(COMPILER, "'suffix match pattern must be a string'", {"s": [{"suffix": ["a"]}]}, None, "suffix takes a string"),
    Case(COMPILER, "'Unsupported suffix pattern'", {"s": [{"suffix": {"prefix": "a"}}]}, None, "suffix takes a string or"),
    Case(COMPILER, "'equals-ignore-case match pattern must be a string'", {"s": [{"equals-ignore-case": 5}]}, None,
         "equals-ignore-case takes a string"),
    Case(COMPILER, "equals-ignore-case takes one string, not a list", {"s": [{"equals-ignore-case": ["a"]}]}, None,
         "equals-ignore-case takes a string"),
    Case(COMPILER, "'wildcard match pattern must be a string'", {"s": [{"wildcard": 5}]}, None, "wildcard takes a string"),
    Case(RULER, "'consecutive wildcard characters are not allowed'", {"s": [{"wildcard": "a**b"}]}, None, "consecutive wildcard"),
    Case(RULER, "'A backslash escaping any character other than asterisk or backslash is not allowed'",
         {"s": [{"wildcard": "a\\b"}]}, None, "backslash"),
    Case(RULER, "... nor a backslash escaping nothing", {"s": [{"wildcard": "a\\"}]}, None, "backslash"),
    # anything-but ----------------------------------------------------------------------------------------------
    Case(RULER, "'lists, which have to contain entirely strings or entirely numerics'", {"s": [{"anything-but": ["a", 1]}]},
         None, "only strings or only numbers"),
    Case(COMPILER, "'Inside anything but list, start|null|boolean is not supported'", {"s": [{"anything-but": [True]}]},
         None, "only strings or only numbers"),
    Case(COMPILER, "... null in the list", {"s": [{"anything-but": [None]}]}, None, "only strings or only numbers"),
    Case(COMPILER, "... a nested list", {"s": [{"anything-but": [["a"]]}]}, None, "only strings or only numbers"),
    Case(COMPILER, "'either all values are number or string' (an empty list is neither)", {"s": [{"anything-but": []}]},
         None, "empty arrays are not allowed"),
    Case(COMPILER, "'Value of anything-but must be an array or single string/number value'", {"s": [{"anything-but": None}]},
         None, "anything-but takes"),
    Case(COMPILER, "... not a boolean", {"s": [{"anything-but": True}]}, None, "anything-but takes"),
    Case(COMPILER, "'Unsupported anything-but pattern'", {"s": [{"anything-but": {"regex": "a"}}]}, None, "unsupported operator"),
    Case(COMPILER, "... numeric does not nest in anything-but", {"s": [{"anything-but": {"numeric": [">", 1]}}]}, None,
         "unsupported operator"),
    Case(COMPILER, "... one operator only", {"s": [{"anything-but": {"prefix": "a", "suffix": "b"}}]}, None, "unsupported operator"),
    Case(COMPILER, "'prefix/suffix match pattern must be a string'", {"s": [{"anything-but": {"prefix": 5}}]}, None,
         "anything-but.prefix takes a string"),
    Case(COMPILER, "'Null prefix/suffix not allowed'", {"s": [{"anything-but": {"prefix": ""}}]}, None, "empty prefix"),
    Case(COMPILER, "'Null prefix/suffix not allowed' (suffix)", {"s": [{"anything-but": {"suffix": ""}}]}, None, "empty suffix"),
    Case(COMPILER, "'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported'",
         {"s": [{"anything-but": {"equals-ignore-case": [1]}}]}, None, "anything-but.equals-ignore-case takes a string"),
    Case(COMPILER, "docs silent on an empty list of prefixes (would exclude nothing): refused",
         {"s": [{"anything-but": {"prefix": []}}]}, None, "empty arrays are not allowed"),
    Case(COMPILER, "'Value of anything-but must be an array or single string/number value' (a nested operator object)",
         {"s": [{"anything-but": {"prefix": {"equals-ignore-case": "a"}}}]}, None, "anything-but.prefix takes a string"),
    Case(RULER, "anything-but wildcard is parsed as a wildcard: consecutive wildcards", {"s": [{"anything-but": {"wildcard": "a**"}}]},
         None, "consecutive wildcard"),
    Case(RULER, "numbers are 'limited to value between -5.0e9 and +5.0e9' (anything-but compares them as numbers)",
         {"s": [{"anything-but": 6.0e9}]}, None, "outside"),
    # numeric ---------------------------------------------------------------------------------------------------
    Case(COMPILER, "'Value of numeric must be an array.'", {"n": [{"numeric": 5}]}, None, "numeric takes"),
    Case(COMPILER, "an empty numeric array ('Invalid member in numeric match')", {"n": [{"numeric": []}]}, None, "numeric takes"),
    Case(COMPILER, "'Unrecognized numeric range operator'", {"n": [{"numeric": ["~", 1]}]}, None, "numeric takes"),
    Case(COMPILER, "'Value of > must be numeric'", {"n": [{"numeric": [">", "5"]}]}, None, "is not a number"),
    Case(COMPILER, "'Value of >= must be numeric' (a boolean is not a number)", {"n": [{"numeric": [">=", True]}]}, None,
         "is not a number"),
    Case(COMPILER, "'Bad numeric range operator' (a range is a lower then an upper bound)", {"n": [{"numeric": [">", 0, ">", 5]}]},
         None, "a range is a lower bound"),
    Case(COMPILER, "'Too many elements in numeric expression' after '<'", {"n": [{"numeric": ["<", 5, ">", 0]}]}, None,
         "a range is a lower bound"),
    Case(COMPILER, "'Too many elements in numeric expression' after '='", {"n": [{"numeric": ["=", 5, "<", 6]}]}, None,
         "a range is a lower bound"),
    Case(COMPILER, "'Too many terms in numeric range expression'", {"n": [{"numeric": [">", 0, "<", 5, "<", 6]}]}, None,
         "numeric takes"),
    Case(COMPILER, "'Value of < must be numeric' (upper bound)", {"n": [{"numeric": [">", 0, "<", None]}]}, None, "is not a number"),
    Case(COMPILER, "'Bottom must be less than top'", {"n": [{"numeric": [">", 5, "<", 1]}]}, None, "must be less than"),
    Case(COMPILER, "'Bottom must be less than top' (equal bounds)", {"n": [{"numeric": [">=", 5, "<=", 5]}]}, None,
         "must be less than"),
    Case(RULER, "'Numeric matching is limited to value between -5.0e9 and +5.0e9 inclusive'", {"n": [{"numeric": [">", 6.0e9]}]},
         None, "outside"),
    Case(RULER, "... below the range", {"n": [{"numeric": ["<", -5.1e9]}]}, None, "outside"),
    # exists / cidr ----------------------------------------------------------------------------------------------
    Case(COMPILER, "'exists match pattern must be either true or false.'", {"e": [{"exists": "true"}]}, None, "exists takes true or false"),
    Case(COMPILER, "... not null", {"e": [{"exists": None}]}, None, "exists takes true or false"),
    Case(CIDR_SRC, "cidr takes a string", {"ip": [{"cidr": 10}]}, None, "cidr takes a string"),
    Case(CIDR_SRC, "'Malformed CIDR, one '/' required'", {"ip": [{"cidr": "10.0.0.0"}]}, None, "not an address/mask-bits CIDR"),
    Case(CIDR_SRC, "... two slashes", {"ip": [{"cidr": "10.0.0.0/8/8"}]}, None, "not an address/mask-bits CIDR"),
    Case(CIDR_SRC, "'Malformed CIDR, mask bits must be an integer'", {"ip": [{"cidr": "10.0.0.0/abc"}]}, None,
         "not an address/mask-bits CIDR"),
    Case(CIDR_SRC, "'Malformed CIDR, mask bits must not be negative'", {"ip": [{"cidr": "10.0.0.0/-1"}]}, None,
         "not an address/mask-bits CIDR"),
    Case(CIDR_SRC, "'Invalid IP address'", {"ip": [{"cidr": "10.0.0/24"}]}, None, "not an IPv4 or IPv6 address"),
    Case(CIDR_SRC, "... an octet above 255", {"ip": [{"cidr": "10.0.0.256/24"}]}, None, "not an IPv4 or IPv6 address"),
    Case(CIDR_SRC, "... a host name", {"ip": [{"cidr": "example.com/24"}]}, None, "not an IPv4 or IPv6 address"),
    Case(CIDR_SRC, "'IPv4 mask bits must be < 32'", {"ip": [{"cidr": "10.0.0.1/32"}]}, None, "mask bits must be at most 31"),
    Case(CIDR_SRC, "'IPv6 mask bits must be < 128'", {"ip": [{"cidr": "2001:db8::1/128"}]}, None, "mask bits must be at most 127"),
    # $or --------------------------------------------------------------------------------------------------------
    Case(RULER, "'There are 2+ objects in the \"$or\" array at least'", {"detail": {"$or": [{"state": ["FAILED"]}]}}, None,
         "must be a list of at least two patterns"),
    Case(COMPILER, "'It must be an Array followed with $or.'", {"$or": {"source": ["aws.ec2"]}}, None,
         "must be a list of at least two patterns"),
    Case(COMPILER, "'Only JSON object is allowed in array of $or relationship.'", {"$or": ["aws.ec2", {"source": ["x"]}]}, None,
         "must be an object"),
    Case(COMPILER, "'Empty objects are not allowed' in a $or branch", {"$or": [{}, {"source": ["x"]}]}, None,
         "empty objects are not allowed"),
    Case(RULER, "'There has no filed name using Ruler keywords in Object of \"$or\" array' ('is Ruler reserved fieldName')",
         {"$or": [{"numeric": [123]}, {"prefix": ["abc"]}]}, None, "reserved word"),
    Case(RULER, "... at any depth of a $or branch", {"$or": [{"a": {"exists": ["x"]}}, {"b": ["y"]}]}, None, "reserved word"),
]


def _id(case: Case) -> str:
    return case.quote[:60]


@pytest.mark.parametrize("case", MATCH, ids=_id)
def test_documented_matches(case: Case) -> None:
    assert matches(case.pattern, case.event) is case.expected, (case.source, case.quote)
    found = mismatch(case.pattern, case.event)
    assert (found is None) is case.expected and (found is None or found.strip())


@pytest.mark.parametrize("case", INVALID, ids=_id)
def test_refused_patterns_raise_when_validated(case: Case) -> None:
    with pytest.raises(EventPatternError) as raised:
        validate(case.pattern)
    assert case.expected in str(raised.value), (case.source, case.quote, str(raised.value))
    # and matching refuses them the same way: never a TypeError / KeyError, never a silent answer
    with pytest.raises(EventPatternError):
        matches(case.pattern, RULER_EVENT)


def test_every_case_names_its_source() -> None:
    for case in MATCH + INVALID:
        assert case.source.startswith("https://") and case.quote.strip()
    assert len(MATCH) >= 80 and len(INVALID) >= 60


def test_the_refusal_names_the_path() -> None:
    with pytest.raises(EventPatternError, match=r"^detail\.\$or\[1\]\.state: prefix takes a string"):
        validate({"detail": {"$or": [{"state": ["FAILED"]}, {"state": [{"prefix": 5}]}]}})


# property: whatever validates matches any event without raising -------------------------------------------------
# Two generators: a grammar of patterns AWS accepts (most of them validate, so matching is exercised on every
# operator), and arbitrary JSON-like values with the operator names in them (mostly refused: validation must
# then raise EventPatternError and nothing else).
NAMES = st.sampled_from(["a", "b", "detail", "state", "c-count"])
SCALARS = (st.none() | st.booleans() | st.integers(-10, 10) | st.floats(-1e3, 1e3) | st.sampled_from([10**400, -6e9, 1e308])
           | st.sampled_from(["", "a", "A", "ab", "10.0.0.1", "::1", "2001:db8::1", "x*y", "a\\*b"]))
WORDS = st.sampled_from(["a", "ab", "A", "init", ".png"])
WILDCARDS = st.sampled_from(["*", "a*", "*b", "a*b", "a\\*b", "\\\\*", ""])
CIDRS = st.sampled_from(["10.0.0.0/24", "10.0.0.7/8", "0.0.0.0/0", "::/0", "2001:db8::/32", "1.2.3.4/31"])
BOUND = st.integers(-100, 100) | st.floats(-5e9, 5e9)
VALID_OPERATOR = st.one_of(
    st.builds(lambda w: {"prefix": w}, WORDS | st.builds(lambda w: {"equals-ignore-case": w}, WORDS)),
    st.builds(lambda w: {"suffix": w}, WORDS | st.builds(lambda w: {"equals-ignore-case": w}, WORDS)),
    st.builds(lambda w: {"equals-ignore-case": w}, WORDS),
    st.builds(lambda w: {"wildcard": w}, WILDCARDS),
    st.builds(lambda a: {"anything-but": a}, WORDS | st.integers(-5, 5) | st.lists(WORDS, min_size=1, max_size=3)
              | st.lists(st.integers(-5, 5), min_size=1, max_size=3)
              | st.builds(lambda op, w: {op: w}, st.sampled_from(["prefix", "suffix", "equals-ignore-case"]), WORDS)
              | st.builds(lambda w: {"wildcard": w}, WILDCARDS)),
    st.builds(lambda op, n: {"numeric": [op, n]}, st.sampled_from(list("<=>") + ["<=", ">="]), BOUND),
    st.builds(lambda lo, width, a, b: {"numeric": [a, lo, b, lo + width]}, st.integers(-100, 100), st.integers(1, 50),
              st.sampled_from([">", ">="]), st.sampled_from(["<", "<="])),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda c: {"cidr": c}, CIDRS),
)
VALID_VALUE = st.recursive(st.lists(SCALARS | VALID_OPERATOR, min_size=1, max_size=3),
                           lambda inner: st.dictionaries(NAMES, inner, min_size=1, max_size=2), max_leaves=6)
VALID_PATTERNS = st.dictionaries(NAMES, VALID_VALUE, min_size=1, max_size=3).flatmap(
    lambda p: st.just(p) | st.builds(lambda q: p | {"$or": [p, q]}, st.dictionaries(NAMES, VALID_VALUE, min_size=1, max_size=2)))
ANY_ARGUMENT = st.recursive(SCALARS | WILDCARDS | CIDRS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["prefix", "suffix", "equals-ignore-case", "wildcard", "numeric", "anything-but", "exists", "cidr",
                     "bogus", "$or", ">"]), inner, max_size=2), max_leaves=6)
ANY_PATTERNS = ANY_ARGUMENT | st.dictionaries(NAMES | st.just("$or"), ANY_ARGUMENT, max_size=3)
EVENTS = st.dictionaries(NAMES, st.recursive(SCALARS | st.sampled_from(["10.0.0.9", "init-x", "A.PNG"]),
                                             lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
                                             max_leaves=10), max_size=4)


def _matches_without_raising(pattern: Any, events: list[dict]) -> bool:
    try:
        validate(pattern)
    except EventPatternError:
        return False
    for event in events:
        assert isinstance(matches(pattern, event), bool)
        found = mismatch(pattern, event)
        assert (found is None) is matches(pattern, event) and (found is None or isinstance(found, str))
    return True


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=VALID_PATTERNS, events=st.lists(EVENTS, min_size=1, max_size=3))
def test_documented_grammar_validates_and_matches_without_raising(pattern: Any, events: list[dict]) -> None:
    _matches_without_raising(pattern, events)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=ANY_PATTERNS, events=st.lists(EVENTS, min_size=1, max_size=2))
def test_anything_either_is_refused_or_matches_without_raising(pattern: Any, events: list[dict]) -> None:
    _matches_without_raising(pattern, events)


@settings(max_examples=50, deadline=None, database=None)
@given(case=st.sampled_from(MATCH), noise=st.dictionaries(st.sampled_from(["zz", "yy"]), SCALARS, max_size=2))
def test_unrelated_fields_never_change_a_documented_answer(case: Case, noise: dict) -> None:
    """'EventBridge ignores all the other fields in the event when applying the rule' (PATTERNS)."""
    if isinstance(case.event, dict):
        assert matches(case.pattern, case.event | noise) is case.expected
