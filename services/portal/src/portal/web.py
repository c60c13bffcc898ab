"""What every page uses: the request's `Portal` (the user, their token, the clients, rendering), posted forms with
their CSRF check, Idempotency-Key and version, and a service's refusal turned into messages beside the fields."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from portal.clients.base import ServiceProblem
from portal.session import Session, session_of, token_expired


class NotSignedIn(Exception):
    """No user in the session, or their token ran out: to Masuk, and back here afterwards."""


class CsrfRefused(Exception):
    """A form came without the token this session's pages carry (another site, or a tampered page)."""


@dataclass
class FormErrors:
    """A refusal as the page shows it: a message beside each field it names, all of them in the summary on top.

    `fields` maps a service's field path (`rhk[0].target_kuantitas`) to the id of the input on this page; a field
    the page does not show is listed in the summary only, linked to the form itself.
    """

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)

    @property
    def summary(self) -> list[tuple[str, str]]:
        return [(f"#{name}", message) for name, message in self.by_field.items()] + [
            ("#isi", message) for message in self.general
        ]

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            if message not in self.general:
                self.general.append(message)
        else:
            self.by_field.setdefault(name, message)


class Portal:
    """The request as the pages see it. Built per request by `get_portal`."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.app = request.app.state.portal
        self.session: Session = session_of(request)
        self.t = self.app.catalogue
        self.clients = self.app.clients

    @property
    def user(self) -> dict[str, Any] | None:
        return self.session.user

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.user.get("roles", ())) if self.user else frozenset()

    @property
    def token(self) -> str:
        user = self.user
        if user is None or token_expired(user):
            raise NotSignedIn()
        return str(user["access_token"])

    def flash(self, key: str, kind: str = "sukses", **values: Any) -> None:
        """A message for the next page this user sees (after the redirect that follows a post)."""
        self.session["flash"] = [*self.session.get("flash", []), {"kind": kind, "text": self.t(key, **values)}]

    def csrf(self) -> str:
        return self.app.codec.csrf_token(self.session)

    def render(self, template: str, *, status: int = 200, headers: Mapping[str, str] | None = None, **context: Any):
        flashes = self.session.pop("flash", []) if "flash" in self.session else []
        return self.app.templates.TemplateResponse(
            self.request,
            template,
            {"portal": self, "t": self.t, "user": self.user, "flashes": flashes, "errors": FormErrors(), **context},
            status_code=status,
            headers=dict(headers or {}),
        )

    def redirect(self, path: str) -> Response:
        return RedirectResponse(path, status_code=303)

    def errors_of(
        self, problem: ServiceProblem, fields: Mapping[str, str] | Callable[[str], str | None] = MappingProxyType({})
    ):
        """The messages of a refusal, each placed beside the input its field maps to on this page."""
        errors = FormErrors()
        lookup = fields if callable(fields) else fields.get
        for error in problem.errors or []:
            message = self.t.rule(error.rule, problem.status)
            name = lookup(error.field) if error.field else None
            errors.add(name, message)
        if not problem.errors:
            errors.add(None, self.t.rule("", problem.status))
        return errors


async def get_portal(request: Request) -> Portal:
    return Portal(request)


async def signed_in(request: Request) -> Portal:
    """The page needs a user: a token about to run out is refreshed where the provider allows, else to Masuk."""
    portal = Portal(request)
    user = portal.user
    if user is not None and token_expired(user) and portal.app.oidc is not None:
        refreshed = await portal.app.oidc.refresh(user)
        if refreshed is not None:
            portal.session["user"] = refreshed
    _ = portal.token  # raises NotSignedIn
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]
SignedInDep = Annotated[Portal, Depends(signed_in)]


class PostedForm:
    """A posted form whose CSRF token was checked. Its Idempotency-Key and version are the ones minted when the
    form was rendered, so a double tap or a resend after a dropped connection is the same request to the service."""

    def __init__(self, data: FormData) -> None:
        self.data = data

    def get(self, name: str, default: str = "") -> str:
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else default

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self.data.getlist(name) if isinstance(v, str)]

    def file(self, name: str) -> UploadFile | None:
        value = self.data.get(name)
        return value if isinstance(value, UploadFile) and value.filename else None

    @property
    def idempotency_key(self) -> str:
        key = self.get("idempotency_key")
        try:
            return str(uuid.UUID(key))
        except ValueError:
            return str(uuid.uuid4())  # a form without a usable key: a fresh one, still done once per submission

    @property
    def version(self) -> str | None:
        version = self.get("version")
        return version if version.isdigit() else None

    def values(self) -> dict[str, str | list[str]]:
        """What the user typed, to show again beside an error or to resend from the "coba lagi" page."""
        out: dict[str, str | list[str]] = {}
        for key in self.data:
            if key in ("csrf", "idempotency_key"):
                continue
            values = self.getlist(key)
            out[key] = values if len(values) > 1 else (values[0] if values else "")
        return out


async def posted_form(request: Request) -> PostedForm:
    data = await request.form(max_files=4, max_fields=500)
    portal = Portal(request)
    token = data.get("csrf") if isinstance(data.get("csrf"), str) else request.headers.get("X-CSRF-Token")
    if not portal.app.codec.csrf_valid(portal.session, token):
        raise CsrfRefused()
    return PostedForm(data)


FormDep = Annotated[PostedForm, Depends(posted_form)]


def form_meta(portal: Portal, version: int | None = None) -> dict[str, Any]:
    """The hidden fields every form carries: CSRF token, a fresh Idempotency-Key, the version it shows."""
    return {"csrf": portal.csrf(), "idempotency_key": str(uuid.uuid4()), "version": version}


def masuk_url(path: str) -> str:
    """Masuk, then back to `path` (a path of this portal only: never an address elsewhere)."""
    safe = path if path.startswith("/") and not path.startswith("//") else "/"
    return "/masuk?lanjut=" + quote(safe, safe="/")
