"""Where in the object store (`observation.domain.ports.ObjectStorage`) each byte of evidence lives.

Keys are made by the service (`unggahan/<id>/<offset>`, `bukti/<pelaksanaan>/<id>`), never from a file name.
"""

from __future__ import annotations


def part_key(upload_id: str, offset: int) -> str:
    # Zero-padded so that the sorted keys are the parts in offset order.
    return f"unggahan/{upload_id}/{offset:012d}"


def parts_prefix(upload_id: str) -> str:
    return f"unggahan/{upload_id}/"


def bukti_key(pelaksanaan_id: str, bukti_id: str) -> str:
    return f"bukti/{pelaksanaan_id}/{bukti_id}"
