"""Job/datafeed id rules (MlStrings, Job.documentId) and id expressions (ExpandedIdsMatcher)."""
import re

from . import errors

_VALID_ID = re.compile(r"[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?\Z")
ID_LENGTH_LIMIT = 64


def is_valid_id(value):
    """MlStrings.isValidId: lowercase alphanumerics, '-', '_', '.'; alphanumeric at both ends."""
    return value != "_all" and _VALID_ID.match(value) is not None


def validate_id(kind, value):
    """Raise ES's 400 for an invalid job/datafeed id; `kind` is 'job' or 'datafeed'.

    The character check comes before the length check, as in Job.documentId.
    """
    if not is_valid_id(value):
        raise errors.bad_request(
            "Invalid %s_id; '%s' can contain lowercase alphanumeric (a-z and 0-9), hyphens or "
            "underscores; must start and end with alphanumeric" % (kind, value))
    if len(value) > ID_LENGTH_LIMIT:
        raise errors.bad_request("The %s id cannot contain more than %d characters." % (kind, ID_LENGTH_LIMIT))


def tokens(expression):
    """Split an expression like ES's Strings.tokenizeToStringArray: trimmed, empties dropped."""
    parts = [t.strip() for t in (expression or "").split(",")]
    parts = [t for t in parts if t]
    if not parts or (len(parts) == 1 and parts[0] in ("_all", "*")):
        return ["*"]
    return parts


def _matches(token, name):
    if "*" not in token:
        return token == name
    pattern = ".*".join(re.escape(p) for p in token.split("*"))
    return re.fullmatch(pattern, name) is not None


def expand(expression, candidates, allow_no_match):
    """Resolve an expression against {id: [names it answers to]} (its id and, for jobs, its groups).

    Returns (matched ids in sorted order, unmatched tokens that make the request fail). Literal
    tokens are always required; wildcards only when allow_no_match is false.
    """
    matched, missing = set(), []
    for token in tokens(expression):
        hits = {cid for cid, names in candidates.items() if any(_matches(token, n) for n in names)}
        matched |= hits
        if not hits and ("*" not in token or not allow_no_match):
            missing.append(token)
    return sorted(matched), missing
