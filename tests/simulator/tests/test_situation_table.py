"""One test per row of the reference's final situation table (ref §9).

Test names follow the rows in order: ``test_row_NN_<situation>``.
"""

from __future__ import annotations

import re
import time

import pytest

from simhelpers import (
    ID_TOO_LONG,
    INVALID_ID_TEMPLATE,
    assert_es_error,
    basic,
    in_thread,
    join,
    seed_job,
)

NOT_FOUND = "resource_not_found_exception"
CONFLICT = "status_exception"
ILLEGAL_ARG = "illegal_argument_exception"
SECURITY = "security_exception"


# ---- close -------------------------------------------------------------------------

def test_row_01_close_job_already_closed(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.close("j")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert sim.job_state("j") == "closed"


@pytest.mark.parametrize("state", ["opened", "opening", "closing"])
def test_row_02_close_opened_opening_closing_job(slow_sim, state):
    slow_sim.load(seed_job("j", state))
    r = slow_sim.close("j")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    # "after the wait": once close has answered, the job is closed.
    assert slow_sim.job_state("j") == "closed"


def test_row_03_close_failed_job_no_force_single(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j")
    assert_es_error(r, 409, CONFLICT, "cannot close job [j] because it failed, use force close")
    assert sim.job_state("j") == "failed"


def test_row_04_close_several_jobs_one_failed_no_force(sim):
    sim.load(seed_job("a", "opened", groups=["g"]), seed_job("b", "failed", groups=["g"]))
    r = sim.close("g")
    assert_es_error(r, 409, CONFLICT, "one or more jobs have state failed, use force close")
    # ref §3.3 step 3: nothing is closed.
    assert sim.job_state("a") == "opened"
    assert sim.job_state("b") == "failed"


def test_row_05_close_failed_job_force(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?force=true")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert sim.job_state("j") == "closed"


@pytest.mark.parametrize("version", ["7.14.2", "7.17.20", "8.6.2", "8.15.0", "9.1.0"])
def test_row_06_close_started_datafeed_714_plus(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.close("j")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert sim.datafeed_state("df") == "stopped"
    assert sim.job_state("j") == "closed"


@pytest.mark.simulator_only("a datafeed stop slower than a 1 ms close timeout is the simulator's stop delay")
@pytest.mark.parametrize("version", ["7.14.2", "8.15.0"])
def test_row_07_close_datafeed_stop_fails_714_plus(make_sim, version):
    """The datafeed stop is made to fail by a close timeout shorter than the stop delay."""
    sim = make_sim(version, delays="slow")  # datafeed_stop takes 50 ms > 1 ms timeout
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.close("j", "?timeout=1ms")
    prefix = ("failed to close jobs as one or more had started datafeeds that could not be "
              "stopped: started datafeeds [df], error stopping them [")
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["type"] == CONFLICT
    assert err["reason"].startswith(prefix) and err["reason"].endswith("]"), err["reason"]
    inner = err["reason"][len(prefix):-1]
    assert isinstance(err.get("caused_by"), dict), err
    # caused_by is the datafeed stop error whose message is quoted inside the brackets.
    assert err["caused_by"]["reason"] == inner, err
    assert err["root_cause"][0]["reason"] == inner, err
    assert r.json()["status"] == 409


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("version", ["6.8.23", "7.13.4"])
def test_row_08_close_started_datafeed_713_or_older_even_force(make_sim, version, force):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.close("j", "?force=true" if force else "")
    assert_es_error(r, 409, CONFLICT, "cannot close job datafeed [df] hasn't been stopped")
    assert sim.job_state("j") == "opened"
    assert sim.datafeed_state("df") == "started"


@pytest.mark.parametrize("query", ["", "?allow_no_match=true", "?allow_no_match=false"])
def test_row_09_close_unknown_explicit_id_any_allow_no_match(sim, query):
    r = sim.close("j", query)
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'j'")


def test_row_10_close_two_unknown_ids(sim):
    r = sim.close("a,b")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'a,b'")


def test_row_11_close_wildcard_matches_nothing_allow_no_match_true(sim):
    sim.load(seed_job("other", "opened"))
    for query in ("", "?allow_no_match=true"):
        r = sim.close("foo*", query)
        assert r.status_code == 200, r.text
        assert r.json() == {"closed": True}
    assert sim.job_state("other") == "opened"


def test_row_12_close_wildcard_matches_nothing_allow_no_match_false(sim):
    r = sim.close("foo*", "?allow_no_match=false")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'foo*'")


@pytest.mark.parametrize("expr", ["_all", "*"])
def test_row_13_close_all_with_no_jobs_allow_no_match_false(sim, expr):
    r = sim.close(expr, "?allow_no_match=false")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id '*'")


def test_row_14_close_job_being_deleted(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    r = sim.close("j")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'j'")


def test_row_15_close_wait_exceeds_timeout(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    t0 = time.monotonic()
    r = sim.close("j", "?timeout=200ms")
    elapsed = time.monotonic() - t0
    assert_es_error(r, 500, "illegal_state_exception",
                    "Timed out when waiting for persistent tasks after 200ms")
    assert elapsed >= 0.18, f"answered before the timeout ({elapsed:.3f}s)"
    assert elapsed < 5, elapsed


def test_row_16_close_body_plus_query_param(sim):
    sim.load(seed_job("j", "opened"))
    r = sim.close("j", "?force=true", json_body={"timeout": "10m"})
    assert_es_error(r, 400, ILLEGAL_ARG,
                    "request [/_ml/anomaly_detectors/j/_close] contains unrecognized parameter: [force]")
    assert sim.job_state("j") == "opened"


# ---- delete job --------------------------------------------------------------------

def test_row_17_delete_closed_job(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j")
    assert r.status_code == 200, r.text
    assert r.json() == {"acknowledged": True}
    assert not sim.job_exists("j")


@pytest.mark.parametrize("state", ["opened", "opening", "closing", "failed"])
def test_row_18_delete_job_not_closed_no_force(slow_sim, state):
    slow_sim.load(seed_job("j", state))
    r = slow_sim.delete_job("j")
    assert_es_error(r, 409, CONFLICT, f"Cannot delete job [j] because the job is {state}")
    assert slow_sim.job_exists("j")


def test_row_19_delete_open_job_started_datafeed_force(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j", "?force=true")
    assert r.status_code == 200, r.text
    assert r.json() == {"acknowledged": True}
    assert not sim.job_exists("j")
    assert not sim.datafeed_exists("df")


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("version", ["6.8.23", "7.13.4", "7.14.2"])
def test_row_20_delete_job_with_datafeed_714_or_older_even_force(make_sim, version, force):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="df"))
    r = sim.delete_job("j", "?force=true" if force else "")
    assert_es_error(r, 409, CONFLICT, "Cannot delete job [j] because datafeed [df] refers to it")
    assert sim.job_exists("j")
    assert sim.datafeed_exists("df")


@pytest.mark.parametrize("version", ["7.17.20", "8.6.2", "8.15.0", "9.1.0"])
def test_row_21_delete_datafeed_cannot_be_deleted_715_plus(make_sim, version):
    # A closed job whose datafeed still has a (started) task: step 2 passes (no job task),
    # step 5 fails to delete the datafeed without force (ref §4.2).
    sim = make_sim(version)
    sim.load(seed_job("j", "closed", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j")
    inner = "Cannot delete datafeed [df] while its status is started"
    assert_es_error(r, 409, CONFLICT,
                    "failed to delete job [j] as its datafeed [df] could not be deleted",
                    root_cause=(CONFLICT, inner), caused_by=(CONFLICT, inner))
    assert sim.job_exists("j")


def test_row_22_delete_unknown_job(sim):
    r = sim.delete_job("j")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'j'")


@pytest.mark.parametrize("job_id", ["j*", "a,b", "Bad", "_all", "-j", "j-"])
def test_row_23_delete_wildcard_list_bad_chars(sim, job_id):
    sim.load(seed_job("j", "closed"), seed_job("a", "closed"), seed_job("b", "closed"))
    r = sim.delete_job(job_id)
    assert_es_error(r, 400, ILLEGAL_ARG, INVALID_ID_TEMPLATE.format(job_id))
    assert sim.job_exists("j") and sim.job_exists("a") and sim.job_exists("b")


def test_row_24_delete_id_longer_than_64(sim):
    r = sim.delete_job("a" * 65)
    assert_es_error(r, 400, ILLEGAL_ARG, ID_TOO_LONG)


@pytest.mark.simulator_only("needs two requests in flight at once, which only the simulator's delays guarantee")
def test_row_25_delete_concurrent_duplicate(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    t1, h1 = in_thread(slow_sim.delete_job, "j")
    time.sleep(0.1)
    t2, h2 = in_thread(slow_sim.delete_job, "j")
    r1, r2 = join(t1, h1), join(t2, h2)
    assert (r1.status_code, r1.json()) == (200, {"acknowledged": True}), r1.text
    assert (r2.status_code, r2.json()) == (200, {"acknowledged": True}), r2.text
    assert not slow_sim.job_exists("j")


def test_row_26_delete_wait_for_completion_false(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?wait_for_completion=false")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["task"], body
    assert re.fullmatch(r"[^:\s]+:\d+", body["task"]), body


@pytest.mark.parametrize("body", [b"{}", b'{"force": true}'])
def test_row_27_delete_request_has_a_body(sim, body):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", data=body)
    assert_es_error(r, 400, ILLEGAL_ARG,
                    "request [DELETE /_ml/anomaly_detectors/j] does not support having a body")
    assert sim.job_exists("j")


# ---- datafeeds -------------------------------------------------------------------------

def test_row_28_delete_datafeed_task_exists_no_force(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.delete(f"{sim.ml}/datafeeds/d")
    assert_es_error(r, 409, CONFLICT, "Cannot delete datafeed [d] while its status is started")
    assert sim.datafeed_exists("d")


@pytest.mark.parametrize("op", ["stop", "delete"])
def test_row_29_datafeed_unknown_stop_delete(sim, op):
    if op == "stop":
        r = sim.post(f"{sim.ml}/datafeeds/d/_stop")
    else:
        r = sim.delete(f"{sim.ml}/datafeeds/d")
    assert_es_error(r, 404, NOT_FOUND, "No datafeed with id [d] exists")


def test_row_30_stop_datafeed_already_stopped(sim):
    sim.load(seed_job("j", "opened", datafeed="stopped", datafeed_id="d"))
    r = sim.post(f"{sim.ml}/datafeeds/d/_stop")
    assert r.status_code == 200, r.text
    assert r.json() == {"stopped": True}
    assert sim.datafeed_state("d") == "stopped"


# ---- jobs being deleted, tasks -----------------------------------------------------------

def test_row_31_job_stats_job_being_deleted(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    r = sim.stats("j")
    assert_es_error(r, 404, NOT_FOUND, "No known job with id 'j'")


def test_row_32_open_job_being_deleted(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    r = sim.open("j")
    assert_es_error(r, 409, CONFLICT, "Cannot open job [j] because it is executing [delete]")


def test_row_33_get_task_unknown_not_stored(sim):
    r = sim.get("/_tasks/n:1")
    assert_es_error(r, 404, NOT_FOUND, "task [n:1] isn't running and hasn't stored its results")


# ---- upgrade mode ----------------------------------------------------------------------------

UPGRADE_ACTIONS = [
    ("close_job", "cluster:admin/xpack/ml/job/close"),
    ("delete_job", "cluster:admin/xpack/ml/job/delete"),
    ("open_job", "cluster:admin/xpack/ml/job/open"),
    ("stop_datafeed", "cluster:admin/xpack/ml/datafeed/stop"),
    ("delete_datafeed", "cluster:admin/xpack/ml/datafeeds/delete"),
]


def _upgrade_call(sim, op):
    if op == "close_job":
        return sim.close("j")
    if op == "delete_job":
        return sim.delete_job("j")
    if op == "open_job":
        return sim.open("j")
    if op == "stop_datafeed":
        return sim.post(f"{sim.ml}/datafeeds/d/_stop")
    return sim.delete(f"{sim.ml}/datafeeds/d")


@pytest.mark.parametrize("op,action", UPGRADE_ACTIONS)
def test_row_34_any_ml_write_api_in_upgrade_mode(sim, op, action):
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="d"))
    r = sim.post(f"{sim.ml}/set_upgrade_mode?enabled=true")
    assert r.status_code == 200, r.text
    assert r.json() == {"acknowledged": True}
    try:
        r = _upgrade_call(sim, op)
        assert_es_error(r, 429, CONFLICT,
                        f"Cannot perform {action} action while upgrade mode is enabled")
        assert sim.job_exists("j") and sim.datafeed_exists("d")
    finally:
        r = sim.post(f"{sim.ml}/set_upgrade_mode?enabled=false")
        assert r.status_code == 200, r.text
    # Once upgrade mode is off, the same call goes through.
    r = _upgrade_call(sim, op)
    assert r.status_code == 200, r.text


# ---- security ------------------------------------------------------------------------------------

def test_row_35_no_credentials(secure_sim):
    secure_sim.load(seed_job("j", "closed"))
    r = secure_sim.get("/_ml/anomaly_detectors/j")
    err = assert_es_error(r, 401, SECURITY,
                          "missing authentication credentials for REST request [/_ml/anomaly_detectors/j]")
    assert 'Basic realm="security" charset="UTF-8"' in r.headers.get("WWW-Authenticate", "")
    hdr = err.get("header", {}).get("WWW-Authenticate")
    values = hdr if isinstance(hdr, list) else [hdr]
    assert 'Basic realm="security" charset="UTF-8"' in values, err


def test_row_36_bad_password(secure_sim):
    secure_sim.load(seed_job("j", "closed"))
    r = secure_sim.get("/_ml/anomaly_detectors/j", headers=basic("ml_admin", "wrong"))
    assert_es_error(r, 401, SECURITY,
                    "unable to authenticate user [ml_admin] for REST request [/_ml/anomaly_detectors/j]")
    assert 'Basic realm="security" charset="UTF-8"' in r.headers.get("WWW-Authenticate", "")


def test_row_37_missing_privilege_8x(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    r = secure_sim.close("j", headers=basic("ml_viewer"))
    err = assert_es_error(
        r, 403, SECURITY,
        reason_regex=(r"action \[cluster:admin/xpack/ml/job/close\] is unauthorized for user "
                      r"\[ml_viewer\] with effective roles \[[^\] ]*\], this action is granted by "
                      r"the cluster privileges \[[^\] ]+\]"),
    )
    roles = re.search(r"effective roles \[([^\]]*)\]", err["reason"]).group(1).split(",")
    assert roles == sorted(roles), roles
    privileges = re.search(r"cluster privileges \[([^\]]*)\]", err["reason"]).group(1).split(",")
    assert "manage_ml" in privileges, privileges
    r = secure_sim.stats("j", headers=basic("elastic"))
    assert r.status_code == 200 and r.json()["jobs"][0]["state"] == "opened", r.text


def test_row_38_licence_lacks_ml(sim):
    sim.load(seed_job("j", "opened"))
    sim.settings(ml_enabled=False)
    try:
        r = sim.close("j")
        err = assert_es_error(r, 403, SECURITY, "current license is non-compliant for [ml]")
        assert err.get("license.expired.feature") in ("ml", ["ml"]), err
    finally:
        sim.settings(ml_enabled=True)


def test_row_39_no_master(sim):
    sim.load(seed_job("j", "opened"))
    sim.settings(master=False)
    try:
        for r in (sim.close("j"), sim.delete_job("j", "?force=true")):
            assert_es_error(r, 503, "master_not_discovered_exception")
    finally:
        sim.settings(master=True)
    assert sim.job_state("j") == "opened"
