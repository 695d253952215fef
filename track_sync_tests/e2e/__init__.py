"""End-to-end tests on a real Dagster instance: webserver, daemon, run workers, simulator."""
