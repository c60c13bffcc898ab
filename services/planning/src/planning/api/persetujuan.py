"""Approving many plans of the atasan's queue in one request (docs/domain.md §4)."""

from __future__ import annotations

from fastapi import APIRouter

from pmm_chassis.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["skp"], responses=PROBLEM_RESPONSES)
