"""Racer registration: portal, API, roster, provisioning, re-drive, offboarding."""
