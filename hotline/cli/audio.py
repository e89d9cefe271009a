"""``hotline audio``: import staff recordings and list prompts that still need one."""

from __future__ import annotations

from pathlib import Path

import click

from hotline.cli import app_from_env


@click.group("audio")
def audio_group() -> None:
    """Voice prompts: import staff recordings, list what still needs one."""


@audio_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prompt", "prompt_id", required=True, help="Prompt id from audio/prompts.yaml.")
@click.option("--lang", "language", required=True, help="Language: ky, ru, uz or kaa.")
def audio_import(file: Path, prompt_id: str, language: str) -> None:
    """Trim, level and store FILE (wav, mp3, ogg, m4a...) as the prompt's recording.

    It replaces the placeholder (or an earlier recording) at once for every call.
    """
    from audio.library import PromptLibrary, UnknownPrompt
    from audio.pipeline import AudioRejected, prepare_recording
    from hotline.runtime import runtime
    from hotline.web.audio import recordings_changed

    library = PromptLibrary.load()
    try:
        library.require(prompt_id, language)
    except UnknownPrompt as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        prepared = prepare_recording(file.read_bytes(), file.name)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    except AudioRejected as exc:
        raise click.ClickException(f"rejected, nothing stored: {exc.message}") from exc
    state = runtime(app_from_env())
    with state.session_scope() as session:
        library.store(session, prompt_id, language, prepared, source_name=file.name)
    recordings_changed(state.redis)
    click.echo(
        f"{prompt_id}/{language}: stored {prepared.duration_ms / 1000:.2f} s, "
        f"8 kHz mono WAV, sha256 {prepared.checksum}"
    )


@audio_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def audio_check(as_json: bool) -> None:
    """List every prompt and language that still plays a placeholder or nothing at all."""
    import json

    from audio.library import PromptLibrary
    from hotline.runtime import runtime

    library = PromptLibrary.load()
    with runtime(app_from_env()).session_scope() as session:
        cells = library.status(session)
    needed = [cell for cell in cells if cell.needs_recording]
    if as_json:
        rows = [
            {
                "prompt_id": c.prompt_id,
                "language": c.language,
                "state": str(c.state),
                "machine_drafted": c.machine_drafted,
                "text": c.text,
            }
            for c in needed
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for cell in needed:
        drafted = "  (text machine-drafted)" if cell.machine_drafted else ""
        click.echo(f"{cell.prompt_id:<32} {cell.language:<4} {cell.state}{drafted}")
    click.echo(f"{len(cells) - len(needed)} of {len(cells)} prompt recordings made by a person")
