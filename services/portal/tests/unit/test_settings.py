"""Production settings refuse every development shortcut."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from portal.settings import PortalSettings

PRODUCTION = {
    "environment": "production",
    "session_secrets": ["a-long-production-secret"],
    "cookie_secure": True,
    "oidc_issuer": "https://sso.belajar.id",
    "oidc_client_id": "pmm-kinerja",
}


def test_a_complete_production_configuration_is_accepted():
    settings = PortalSettings(**PRODUCTION)
    assert settings.oidc_login and not settings.dev_login


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"dev_issuer_url": "http://127.0.0.1:8099"}, "dev_issuer_url"),
        ({"clock_file": "/tmp/clock"}, "clock_file"),
        ({"session_secrets": ["development-only-portal-secret-change-me"]}, "session secret"),
        ({"cookie_secure": False}, "Secure"),
        ({"oidc_issuer": None}, "OpenID Connect"),
    ],
)
def test_production_refuses_a_development_shortcut(change, named):
    with pytest.raises(ValidationError, match=named):
        PortalSettings(**(PRODUCTION | change))


def test_development_offers_masuk_sebagai_only_with_an_issuer():
    assert PortalSettings(dev_issuer_url="http://127.0.0.1:8099").dev_login
    assert not PortalSettings().dev_login
