"""Appraisal's HTTP API: thin routes that parse, authenticate, call a use case and shape the answer."""

from fastapi import APIRouter

from appraisal.api import monitoring, organisasi, penilaian, sekolah


def routers() -> list[APIRouter]:
    return [penilaian.router, organisasi.router, sekolah.router, monitoring.router]
