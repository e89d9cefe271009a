"""Audio: the prompt library and the pydub pipeline that prepares recordings for telephony."""
