"""Cascade (多米诺连锁): effect models, the escalation graph, its upgrade rule and accident scenarios."""
