"""Elasticsearch ML API simulator: a stateful stand-in for the anomaly-detection job APIs.

Public API: start_fleet(...) -> Fleet (see fleet.py and docs/simulator.md).
"""
from .fleet import Fleet, SimCluster, start_fleet

__all__ = ["Fleet", "SimCluster", "start_fleet"]
