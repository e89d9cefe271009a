"""Jobs for cases: fetch a caller's voice report from the provider, outside the webhook."""

from __future__ import annotations

from typing import Any

from hotline.models import Case
from hotline.runtime import runtime

FETCH_RETRY_INTERVALS = (30, 120, 600)


def fetch_case_recording(case_id: int, provider_name: str) -> dict[str, Any]:
    """Store the recording behind a case's URL once; a second run finds it stored."""
    state = runtime()
    with state.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or not case.recording_url:
            return {"case_id": case_id, "stored": False}
        if case.recording is not None:
            return {"case_id": case_id, "stored": True}
        url = case.recording_url
    audio = state.provider_named(provider_name).fetch_recording(url)  # retryable errors re-raise
    with state.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        if case.recording is None:
            case.recording = audio
            session.commit()
    return {"case_id": case_id, "stored": True, "bytes": len(audio)}
