"""bkn_sync's HTTP API: sync state per pegawai, school and region; retry now; conflicts; reconciliation."""

from fastapi import APIRouter

from bkn_sync.api import konflik, sinkron


def routers() -> list[APIRouter]:
    return [sinkron.router, konflik.router]
