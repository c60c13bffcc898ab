"""Correction reports: a pegawai reports wrong roster data about themselves; the operator's worklist."""

from __future__ import annotations

from fastapi import APIRouter

from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["koreksi"], responses=PROBLEM_RESPONSES)
