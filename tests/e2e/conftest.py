"""End-to-end tests: run only by `make e2e` (they build environments and start servers)."""
