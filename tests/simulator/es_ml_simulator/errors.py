"""Elasticsearch error envelopes (ElasticsearchException.generateFailureXContent) and the exceptions that carry them."""


class EsError(Exception):
    """An Elasticsearch exception: HTTP status, snake-case type, reason, optional cause and headers.

    `headers` become both HTTP response headers and `error.header` (ES renders exception headers
    in both places, DefaultAuthenticationFailureHandler).
    """

    def __init__(self, status, type_, reason, caused_by=None, headers=None, metadata=None, es_exception=True):
        super().__init__(reason)
        self.status = status
        self.type = type_
        self.reason = reason
        self.caused_by = caused_by
        self.headers = headers or {}
        self.metadata = metadata or {}
        # False for Java exceptions that are not ElasticsearchExceptions (XContentParseException,
        # IllegalStateException...): ES reports such a wrapper itself as the root cause.
        self.es_exception = es_exception

    def _fields(self, with_cause):
        body = {"type": self.type, "reason": self.reason}
        body.update(self.metadata)
        if with_cause and self.caused_by is not None:
            body["caused_by"] = self.caused_by._fields(True)
        if self.headers:
            body["header"] = {k: v[0] if len(v) == 1 else list(v) for k, v in self.headers.items()}
        return body

    def root_cause(self):
        """ElasticsearchException.guessRootCauses: follow causes while they are ES exceptions."""
        if self.caused_by is None or not self.es_exception:
            return self
        return self.caused_by.root_cause()

    def envelope(self):
        """The REST error body: {"error": {root_cause, type, reason, ..., caused_by, header}, "status"}."""
        error = {"root_cause": [self.root_cause()._fields(False)]}
        error.update(self._fields(True))
        return {"error": error, "status": self.status}

    def task_error(self):
        """A failure stored in a task result has no envelope (TaskResult)."""
        return self._fields(True)


class RawResponse(Exception):
    """A response ES builds by hand outside the exception path (unknown URL, wrong method, media type)."""

    def __init__(self, status, body, headers=None):
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(reason):
    return EsError(404, "resource_not_found_exception", reason)


def job_not_found(ids):
    # Messages.JOB_UNKNOWN_ID is a MessageFormat string: ''{0}'' renders as '...'.
    return not_found("No known job with id '%s'" % ids)


def datafeed_not_found(datafeed_id):
    return not_found("No datafeed with id [%s] exists" % datafeed_id)


def conflict(reason, caused_by=None):
    return EsError(409, "status_exception", reason, caused_by=caused_by)


def bad_request(reason):
    return EsError(400, "illegal_argument_exception", reason)


def status_bad_request(reason):
    # ExceptionsHelper.badRequestException is an ElasticsearchStatusException with status 400.
    return EsError(400, "status_exception", reason)


def parse_error(reason):
    return EsError(400, "x_content_parse_exception", reason)


def no_handler(uri, method):
    # RestController.handleBadRequest: a bare string under "error", no status field.
    return RawResponse(400, {"error": "no handler found for uri [%s] and method [%s]" % (uri, method)})


def wrong_method(uri, method, allowed):
    # RestController.handleUnsupportedHttpMethod: simple error response plus an Allow header.
    listed = sorted(allowed)
    message = "Incorrect HTTP method for uri [%s] and method [%s], allowed: [%s]" % (uri, method, ", ".join(listed))
    return RawResponse(405, {"error": message, "status": 405}, {"Allow": ",".join(listed)})


def unsupported_content_type(values):
    # RestController.sendContentTypeErrorMessage
    if not values:
        message = "Content-Type header is missing"
    else:
        message = "Content-Type header [%s] is not supported" % ",".join(values)
    return RawResponse(406, {"error": message, "status": 406})
