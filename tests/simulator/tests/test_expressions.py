"""Id expressions for close, get jobs and job stats (ref §2.2, §2.5)."""

from __future__ import annotations

import pytest

from simhelpers import assert_es_error, seed_job

NF = "resource_not_found_exception"


def _fleet(sim):
    sim.load(
        seed_job("web-errors", "opened", groups=["web"]),
        seed_job("web-latency", "opened", groups=["web", "latency"]),
        seed_job("db-load", "opened", groups=["db"]),
        seed_job("batch", "closed"),
    )


def _ids(resp):
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["count"] == len(body["jobs"]), body
    return [j["job_id"] for j in body["jobs"]]


# ---- get jobs / stats -----------------------------------------------------------------------

@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
def test_group_expands_to_members(sim, reader):
    _fleet(sim)
    ids = _ids(getattr(sim, reader)("web"))
    assert sorted(ids) == ["web-errors", "web-latency"]


@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
def test_wildcard_matches_ids(sim, reader):
    _fleet(sim)
    assert sorted(_ids(getattr(sim, reader)("web-*"))) == ["web-errors", "web-latency"]
    assert sorted(_ids(getattr(sim, reader)("*-load"))) == ["db-load"]


@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
@pytest.mark.parametrize("expr", ["_all", "*", ""])
def test_all_star_empty_mean_everything(sim, reader, expr):
    _fleet(sim)
    ids = _ids(getattr(sim, reader)(expr))
    assert sorted(ids) == ["batch", "db-load", "web-errors", "web-latency"]


def test_stats_sorted_by_job_id(sim):
    sim.load(seed_job("zeta", "closed"), seed_job("alpha", "opened"), seed_job("mid", "closed"))
    assert _ids(sim.stats("_all")) == ["alpha", "mid", "zeta"]
    assert _ids(sim.stats("zeta,alpha,mid")) == ["alpha", "mid", "zeta"]


def test_comma_list_of_ids_and_groups(sim):
    _fleet(sim)
    ids = _ids(sim.get_jobs("db,batch,web-errors"))
    assert sorted(ids) == ["batch", "db-load", "web-errors"]


def test_group_and_member_overlap_not_duplicated(sim):
    _fleet(sim)
    ids = _ids(sim.stats("web,web-errors"))
    assert sorted(ids) == ["web-errors", "web-latency"]


@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
@pytest.mark.parametrize("query", ["", "?allow_no_match=true", "?allow_no_match=false"])
def test_unmatched_explicit_token_always_404(sim, reader, query):
    _fleet(sim)
    r = getattr(sim, reader)("web-errors,nope", query)
    assert_es_error(r, 404, NF, "No known job with id 'nope'")


@pytest.mark.parametrize("reader", ["get_jobs", "stats", "close"])
def test_several_unknown_ids_joined_by_comma(sim, reader):
    _fleet(sim)
    r = getattr(sim, reader)("aaa,web-errors,bbb")
    assert_es_error(r, 404, NF, "No known job with id 'aaa,bbb'")


@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
def test_wildcard_no_match_allowed(sim, reader):
    _fleet(sim)
    r = getattr(sim, reader)("foo*", "?allow_no_match=true")
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 0 and r.json()["jobs"] == []


@pytest.mark.parametrize("reader", ["get_jobs", "stats", "close"])
def test_wildcard_no_match_disallowed_names_that_token(sim, reader):
    _fleet(sim)
    r = getattr(sim, reader)("foo*,web-*", "?allow_no_match=false")
    assert_es_error(r, 404, NF, "No known job with id 'foo*'")


@pytest.mark.parametrize("reader", ["get_jobs", "stats", "close"])
@pytest.mark.parametrize("expr", ["_all", "*"])
def test_all_no_jobs_allow_no_match_false_says_star(sim, reader, expr):
    r = getattr(sim, reader)(expr, "?allow_no_match=false")
    assert_es_error(r, 404, NF, "No known job with id '*'")


@pytest.mark.parametrize("reader", ["get_jobs", "stats"])
def test_all_no_jobs_default_is_empty(sim, reader):
    r = getattr(sim, reader)("_all")
    assert r.status_code == 200, r.text
    assert r.json() == {"count": 0, "jobs": []}


def test_get_jobs_includes_deleting_but_stats_and_close_exclude(sim):
    sim.load(seed_job("gone", "closed", groups=["g"], deleting=True),
             seed_job("live", "opened", groups=["g"]))
    assert sorted(_ids(sim.get_jobs("_all"))) == ["gone", "live"]
    doc = sim.job_doc("gone")
    assert doc.get("deleting") is True
    assert _ids(sim.stats("_all")) == ["live"]
    assert _ids(sim.stats("g")) == ["live"]
    assert_es_error(sim.stats("gone"), 404, NF, "No known job with id 'gone'")
    assert_es_error(sim.close("gone"), 404, NF, "No known job with id 'gone'")


# ---- close --------------------------------------------------------------------------------

def test_close_group_closes_all_members(sim):
    _fleet(sim)
    r = sim.close("web")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    assert sim.job_state("web-errors") == "closed"
    assert sim.job_state("web-latency") == "closed"
    assert sim.job_state("db-load") == "opened"


def test_close_wildcard_closes_matches(sim):
    _fleet(sim)
    r = sim.close("web-*")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    assert sim.job_state("web-errors") == "closed"
    assert sim.job_state("db-load") == "opened"


@pytest.mark.parametrize("expr", ["_all", "*"])
def test_close_all(sim, expr):
    _fleet(sim)
    r = sim.close(expr)
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    assert {j["state"] for j in sim.stats("_all").json()["jobs"]} == {"closed"}


def test_close_all_no_jobs_default_ok(sim):
    r = sim.close("_all")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text


def test_close_mixed_list_with_unknown_closes_nothing(sim):
    _fleet(sim)
    r = sim.close("web-errors,nope")
    assert_es_error(r, 404, NF, "No known job with id 'nope'")
    assert sim.job_state("web-errors") == "opened"


def test_close_invalid_characters_match_nothing(sim):
    """ref §2.2: invalid characters in a close expression are not validated."""
    _fleet(sim)
    r = sim.close("BAD")
    assert_es_error(r, 404, NF, "No known job with id 'BAD'")
    r = sim.close("BAD*")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text


def test_stats_include_deleting_job_that_still_has_a_task(sim):
    """ref §2.5: a job being deleted is excluded from stats *unless it still has a task*."""
    sim.load(seed_job("j", "opened", deleting=True))
    r = sim.stats("j")
    assert r.status_code == 200, r.text
    assert [j["job_id"] for j in r.json()["jobs"]] == ["j"]
    assert r.json()["jobs"][0]["state"] == "opened"


def test_get_jobs_document_fields(sim):
    sim.load(seed_job("j", "closed", groups=["g"]))
    doc = sim.job_doc("j")
    assert doc["job_id"] == "j"
    assert doc["job_type"] == "anomaly_detector"
    assert isinstance(doc.get("job_version"), str) and doc["job_version"]
    assert isinstance(doc.get("create_time"), int)
    assert doc["groups"] == ["g"]
    assert "deleting" not in doc or doc["deleting"] is False
    assert "blocked" not in doc


def test_stats_entry_shape(sim):
    sim.load(seed_job("o", "opened"), seed_job("c", "closed"))
    jobs = {j["job_id"]: j for j in sim.stats("_all").json()["jobs"]}
    for j in jobs.values():
        assert isinstance(j["data_counts"], dict), j
        assert j["data_counts"].get("job_id") == j["job_id"], j
    assert jobs["o"]["state"] == "opened" and jobs["c"]["state"] == "closed"
    node = jobs["o"].get("node")
    assert isinstance(node, dict), jobs["o"]
    for key in ("id", "name", "ephemeral_id", "transport_address", "attributes"):
        assert key in node, node
    assert "node" not in jobs["c"], jobs["c"]
