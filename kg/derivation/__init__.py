"""Derivation: what the graph computes from what was loaded.

Customers (identity resolution), cases, journeys and segments are derived from interactions and
identities. :func:`kg.derivation.refresh.refresh` is the one door from writing to deriving: every
write records what it touched in the change feed, and ``refresh`` derives only the affected parts.
"""
