"""The `client` contender of tests/benchmark/fleet.py: what a user writes who skips Ansible and
takes the official Python client. Cluster after cluster: list the jobs, close them all in one
request (the close API takes a list), then delete them one by one.

    python client.py JOBS URL [URL ...]     (user elastic, password changeme)
"""
import sys

from elasticsearch import Elasticsearch


def main(argv):
    pattern, urls = argv[0], argv[1:]
    for url in urls:
        es = Elasticsearch(url, basic_auth=("elastic", "changeme"), request_timeout=120)
        jobs = [job["job_id"] for job in es.ml.get_jobs(job_id=pattern, allow_no_match=True)["jobs"]]
        if jobs:
            es.ml.close_job(job_id=",".join(jobs))
            for job_id in jobs:
                es.ml.delete_job(job_id=job_id)
        es.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
