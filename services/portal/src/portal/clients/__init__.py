"""Typed clients of the four services' public APIs, each call made with the signed-in user's own token."""
