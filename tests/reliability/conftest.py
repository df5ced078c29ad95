"""Reliability tests use the same private adb server and simulated phones as integration tests."""

from tests.integration.conftest import adb_server, sim_phone, sim_phone_factory

__all__ = ["adb_server", "sim_phone", "sim_phone_factory"]
