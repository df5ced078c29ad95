"""Integration tests use the simulated phone behind a real, private adb server: the fixtures
(`adb_server`, `sim_phone`, `sim_phone_factory`) are in tests/support/fixtures.py, shared with
the reliability and UI tests."""
