"""Decisions: signed online ballots, paper decisions and proxies in the per-meeting log; evidence."""
