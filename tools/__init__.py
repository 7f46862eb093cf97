"""Tooling for the checkout that the wheel does not ship: the documentation site's generators."""
