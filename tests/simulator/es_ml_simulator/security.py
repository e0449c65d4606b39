"""Users, API keys, bearer tokens and cluster-privilege checks (AuthorizationDenialMessages, the ML action names)."""
import base64
import binascii
import json
import os
import re
import threading
import time

from . import errors

PASSWORD = "changeme"
# Built-in role name -> cluster privileges it grants.
ROLE_PRIVILEGES = {"superuser": ["all"], "machine_learning_admin": ["manage_ml"],
                   "machine_learning_user": ["monitor_ml"], "monitoring_user": ["monitor"],
                   "no_ml": []}
DEFAULT_USERS = {"elastic": ["superuser"], "ml_admin": ["machine_learning_admin"],
                 "ml_viewer": ["machine_learning_user"], "nobody": ["no_ml"]}
# Cluster privileges, least to most privileged (ClusterPrivilegeResolver.sortByAccessLevel), and
# the action patterns each grants.
PRIVILEGE_PATTERNS = (
    ("monitor_ml", (r"cluster:monitor/xpack/ml/.*",)),
    ("manage_ml", (r"cluster:admin/xpack/ml/.*", r"cluster:monitor/xpack/ml/.*")),
    ("monitor", (r"cluster:monitor/.*",)),
    ("manage", (r"cluster:(?!admin/xpack/security/).*",)),
    ("all", (r".*",)),
)
WWW_AUTHENTICATE = ['Basic realm="security" charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
TOKEN_TTL_S = 1200


def granting_privileges(action):
    return [name for name, patterns in PRIVILEGE_PATTERNS if any(re.fullmatch(p, action) for p in patterns)]


# Which named privileges each privilege includes, for `_has_privileges`.
IMPLIED = {"monitor_ml": {"monitor_ml"}, "manage_ml": {"manage_ml", "monitor_ml"},
           "monitor": {"monitor", "monitor_ml"}, "manage": {"manage", "manage_ml", "monitor", "monitor_ml"}}


def implies(held, wanted):
    """Whether the cluster privileges `held` include the privilege `wanted`."""
    return "all" in held or any(wanted in IMPLIED.get(h, {h}) for h in held)


class Principal:
    def __init__(self, username, roles, privileges, kind="realm", api_key=None):
        self.username = username
        self.roles = roles
        self.privileges = privileges
        self.kind = kind              # realm, api_key, token
        self.api_key = api_key        # {"id": ..., "name": ...}

    def may(self, action):
        return any(p in self.privileges for p in granting_privileges(action))

    def describe(self, for_403_long):
        if self.api_key is not None:
            return "API key id [%s] of user [%s]" % (self.api_key["id"], self.username)
        if not for_403_long:
            return "user [%s]" % self.username
        return "user [%s] with effective roles [%s]" % (self.username, ",".join(sorted(self.roles)))


def load_users(path):
    """Read a --users file: {"<name>": {"password": "...", "roles": [...], "cluster": [...]}}.

    `cluster` defaults to the privileges of the named built-in roles.
    """
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    users = {}
    for name, spec in raw.items():
        roles = list(spec.get("roles", []))
        cluster = spec.get("cluster")
        if cluster is None:
            cluster = sorted({p for r in roles for p in ROLE_PRIVILEGES.get(r, [])})
        users[name] = {"password": spec.get("password", PASSWORD), "roles": roles, "cluster": list(cluster)}
    return users


def default_users():
    return {name: {"password": PASSWORD, "roles": roles,
                   "cluster": sorted({p for r in roles for p in ROLE_PRIVILEGES[r]})}
            for name, roles in DEFAULT_USERS.items()}


def _token():
    return base64.urlsafe_b64encode(os.urandom(15)).decode().rstrip("=")


class Realm:
    """Authentication for one cluster: users, the API keys and tokens created on it."""

    def __init__(self, users):
        self.users = users
        self._lock = threading.Lock()
        self._api_keys = {}           # id -> (key, Principal)
        self._tokens = {}             # access token -> (expiry, Principal)

    def _unauthenticated(self, reason):
        return errors.EsError(401, "security_exception", reason, headers={"WWW-Authenticate": WWW_AUTHENTICATE})

    def _user(self, username):
        spec = self.users[username]
        return Principal(username, spec["roles"], spec["cluster"])

    def check_password(self, username, password, uri):
        spec = self.users.get(username)
        if spec is None or spec["password"] != password:
            raise self._unauthenticated("unable to authenticate user [%s] for REST request [%s]" % (username, uri))
        return self._user(username)

    def authenticate(self, header, uri):
        """The principal of an Authorization header, or ES's 401."""
        if not header:
            raise self._unauthenticated("missing authentication credentials for REST request [%s]" % uri)
        scheme, _, value = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            username, password = self._decode_pair(value, uri)
            return self.check_password(username, password, uri)
        if scheme == "apikey":
            key_id, key = self._decode_pair(value, uri)
            with self._lock:
                stored = self._api_keys.get(key_id)
            if stored is None or stored[0] != key:
                raise self._unauthenticated("unable to authenticate with provided credentials and anonymous "
                                            "access is not allowed for this request")
            return stored[1]
        if scheme == "bearer":
            with self._lock:
                stored = self._tokens.get(value.strip())
            if stored is None or stored[0] < time.time():
                raise self._unauthenticated("unable to authenticate with provided credentials and anonymous "
                                            "access is not allowed for this request")
            return stored[1]
        raise self._unauthenticated("missing authentication credentials for REST request [%s]" % uri)

    def _decode_pair(self, value, uri):
        try:
            text = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        first, sep, second = text.partition(":")
        if not sep:
            raise self._unauthenticated("missing authentication credentials for REST request [%s]" % uri)
        return first, second

    def create_api_key(self, owner, body):
        name = body.get("name")
        if not name:
            raise errors.EsError(400, "action_request_validation_exception",
                                 "Validation Failed: 1: api key name is required;")
        key_id, key = _token()[:20], _token()
        principal = Principal(owner.username, owner.roles, owner.privileges, "api_key", {"id": key_id, "name": name})
        with self._lock:
            self._api_keys[key_id] = (key, principal)
        encoded = base64.b64encode(("%s:%s" % (key_id, key)).encode()).decode()
        response = {"id": key_id, "name": name, "api_key": key, "encoded": encoded}
        if body.get("expiration"):
            response["expiration"] = int(time.time() * 1000) + 86400000
        return response

    def create_token(self, caller, body, uri):
        grant = body.get("grant_type")
        if grant == "password":
            principal = self.check_password(body.get("username", ""), body.get("password", ""), uri)
        elif grant == "client_credentials":
            principal = caller
        else:
            raise errors.EsError(400, "action_request_validation_exception",
                                 "Validation Failed: 1: grant_type is missing or unsupported;")
        principal = Principal(principal.username, principal.roles, principal.privileges, "token")
        access = _token() + _token()
        with self._lock:
            self._tokens[access] = (time.time() + TOKEN_TTL_S, principal)
        response = {"access_token": access, "type": "Bearer", "expires_in": TOKEN_TTL_S,
                    "authentication": authenticate_body(principal)}
        if grant == "password":
            response["refresh_token"] = _token()
        return response


def authenticate_body(principal):
    """The `GET _security/_authenticate` body."""
    realm = {"name": "reserved", "type": "reserved"} if principal.username == "elastic" else \
        {"name": "default_native", "type": "native"}
    if principal.kind == "api_key":
        realm = {"name": "_es_api_key", "type": "_es_api_key"}
    body = {"username": principal.username, "roles": list(principal.roles), "full_name": None, "email": None,
            "metadata": {}, "enabled": True, "authentication_realm": realm, "lookup_realm": realm,
            "authentication_type": principal.kind}
    if principal.api_key is not None:
        body["api_key"] = dict(principal.api_key)
    return body


def authorization_of(principal):
    """A datafeed's `authorization` (XContentUtils.addAuthorizationInfo): the creator's roles, or its API key."""
    if principal.api_key is not None:
        return {"api_key": dict(principal.api_key)}
    return {"roles": list(principal.roles)}


def has_privileges(principal, body):
    """The `_security/user/_has_privileges` answer from the principal's cluster privileges."""
    cluster = {p: implies(principal.privileges, p) for p in body.get("cluster", [])}
    superuser = "all" in principal.privileges
    index = {}
    for entry in body.get("index", []):
        for name in entry.get("names", []):
            index[name] = {p: superuser for p in entry.get("privileges", [])}
    application = {}
    for entry in body.get("application", []):
        app = application.setdefault(entry.get("application", ""), {})
        for resource in entry.get("resources", []):
            app[resource] = {p: superuser for p in entry.get("privileges", [])}
    granted = all(cluster.values()) and all(all(v.values()) for v in index.values()) and \
        all(all(r.values()) for a in application.values() for r in a.values())
    return {"username": principal.username, "has_all_requested": granted, "cluster": cluster,
            "index": index, "application": application}


def forbidden(principal, action, long_form):
    """ES's 403 for an action the principal may not run (AuthorizationDenialMessages)."""
    message = "action [%s] is unauthorized for %s" % (action, principal.describe(long_form))
    if long_form:
        message += ", this action is granted by the cluster privileges [%s]" % ",".join(granting_privileges(action))
    return errors.EsError(403, "security_exception", message)
