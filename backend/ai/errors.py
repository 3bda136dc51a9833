"""Errors of the resolvers. A resolver that cannot answer raises; it never guesses."""

from __future__ import annotations


class ResolverError(Exception):
    """The resolver could not answer: its model timed out, was unreachable, refused the
    request, or the resolver is misconfigured. The step fails with this message."""


class ResolverConfigurationError(ResolverError):
    """A setting is missing or wrong (unknown resolver name, no API key, no CDP URL)."""
