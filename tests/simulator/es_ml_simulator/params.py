"""Query-parameter and body reading with ES's REST-layer strictness (BaseRestHandler)."""
import json
import re
import time
from datetime import datetime, timezone

from . import errors

# Parameters every handler accepts (BaseRestHandler.ALWAYS_SUPPORTED, RestResponse params).
ALWAYS = {"format", "filter_path", "pretty", "human", "error_trace"}
_TIME = re.compile(r"(\d+)(nanos|micros|ms|s|m|h|d)\Z")
_UNIT_SECONDS = {"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def levenshtein_similarity(a, b):
    """Lucene's LevenshteinDistance.getDistance: 1 - edits / longer length."""
    if a == b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b))


def unrecognized(path, invalid, candidates):
    """BaseRestHandler.unrecognized: the 400 text for unread parameters, with suggestions."""
    parts = []
    for name in sorted(invalid):
        scored = [(levenshtein_similarity(name, c), c) for c in candidates]
        close = [c for score, c in sorted((s for s in scored if s[0] > 0.5), key=lambda t: (-t[0], t[1]))]
        text = "[%s]" % name
        if close:
            text += " -> did you mean %s[%s]?" % ("any of " if len(close) > 1 else "", ", ".join(close))
        parts.append(text)
    plural = "s" if len(invalid) > 1 else ""
    return errors.bad_request("request [%s] contains unrecognized parameter%s: %s" % (path, plural, ", ".join(parts)))


def parse_time(name, text):
    """ES TimeValue parsing: seconds as float (inf for -1), or the 400 parse_exception."""
    if text == "-1":
        return float("inf")
    if text == "0":
        return 0.0
    match = _TIME.match(text.strip().lower())
    if not match:
        raise errors.EsError(400, "parse_exception", "failed to parse setting [%s] with value [%s] as a time "
                             "value: unit is missing or unrecognized" % (name, text))
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


_DATE_MATH = re.compile(r"now(?:([+-])(\d+)([smhdw]))?\Z")
_MATH_MS = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}


def parse_date(name, text):
    """A datafeed start/end: epoch millis, an ISO-8601 date, or `now[+-N unit]`, as epoch millis."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    math = _DATE_MATH.match(text)
    if math:
        now = int(time.time() * 1000)
        offset = int(math.group(2)) * _MATH_MS[math.group(3)] if math.group(1) else 0
        return now + offset if math.group(1) != "-" else now - offset
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise errors.EsError(400, "parse_exception", "Query param [%s] with value [%s] cannot be parsed as a date "
                             "or converted to a number (epoch)." % (name, text)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def parse_bool(name, value):
    if isinstance(value, bool):
        return value
    if value in ("", "true"):
        return True
    if value == "false":
        return False
    raise errors.bad_request("Failed to parse value [%s] as only [true] or [false] are allowed." % value)


class Params:
    """The query string of one request; remembers what the handler read, like RestRequest."""

    def __init__(self, path, query, path_params):
        self.path = path
        self.query = query
        self.path_params = path_params
        self.read = set(path_params)

    def str(self, name, default=None):
        self.read.add(name)
        return self.query.get(name, default)

    def bool(self, name, default=False):
        self.read.add(name)
        return parse_bool(name, self.query[name]) if name in self.query else default

    def any_bool(self, names, default):
        """A flag with several accepted spellings (new and deprecated names); the last present wins."""
        value = default
        for name in names:
            self.read.add(name)
            if name in self.query:
                value = parse_bool(name, self.query[name])
        return value

    def time(self, name, default_text):
        """(seconds, text as given) for a time parameter."""
        text = self.str(name, default_text)
        return parse_time(name, text), text

    def check(self):
        unknown = set(self.query) - self.read - ALWAYS
        if unknown:
            raise unrecognized(self.path, unknown, self.read | {"error_trace"})


def json_body(raw):
    """Parse a request body as ES's JSON parser would, turning syntax errors into its 400."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise errors.parse_error("[1:1] Invalid UTF-8 in request body") from None
    except json.JSONDecodeError as exc:
        raise errors.parse_error("[%d:%d] Unexpected character or end-of-input: %s"
                                 % (exc.lineno, exc.colno, exc.msg)) from None
    if not isinstance(value, dict):
        raise errors.parse_error("[1:1] Unexpected token, expected START_OBJECT")
    return value


def field_location(raw, field):
    """[line:column] of a field name in the raw body, as Jackson reports token locations."""
    text = raw.decode("utf-8", "replace")
    index = text.find('"%s"' % field)
    if index < 0:
        return "[1:1]"
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return "[%d:%d]" % (line, column)


def string_list(value):
    """ObjectParser.declareStringArray (AbstractObjectParser.parseArray): a single string is a list of one."""
    return [value] if isinstance(value, str) else value


def check_fields(raw, body, allowed, parser_name):
    """Reject unknown body fields like an ObjectParser named `parser_name`."""
    for field in body:
        if field not in allowed:
            raise errors.parse_error("%s [%s] unknown field [%s]" % (field_location(raw, field), parser_name, field))
