"""Signing in: OpenID Connect in production, "masuk sebagai" at the development issuer on a developer's machine."""
