"""Reliability tests use the same private adb server and simulated phones as the integration
tests (tests/support/fixtures.py)."""
