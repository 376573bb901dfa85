"""Instrument definitions in the database: the shipped ones kept in step, and files an administrator loads.

The shipped definitions (``instruments/*.json``) are written to the database after every
``migrate`` (and after a test database is flushed). A definition that has been answered is
never changed: changing a shipped file without giving it a new version stops the sync with an
error, so a response always points at the definition it answered.

An administrator may load a file: a new instrument or a new version (``InstrumentDefinition``),
or the licensed wording of an instrument whose scoring we ship (``ItemTextPack``). The wording
is kept in the database only, never in the repository.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.measures.definitions import (
    LICENSED_TEXT_PROBLEM,
    DefinitionFileError,
    InstrumentDefinition,
    ItemTextPack,
    LicenceKind,
    parse_file,
    shipped_definitions,
)
from carehouse.measures.models import Instrument, InstrumentSource

MAX_FILE_BYTES = 512 * 1024


def _stored(definition: InstrumentDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


def sync_shipped(using: str = "default") -> list[Instrument]:
    """Write every shipped definition to the database; refuse to change one that has been answered."""
    synced = []
    for definition in shipped_definitions():
        stored = _stored(definition)
        instrument = Instrument.objects.using(using).filter(key=definition.key, version=definition.version).first()
        if instrument is None:
            instrument = Instrument.objects.using(using).create(
                key=definition.key,
                version=definition.version,
                title=definition.title,
                definition=stored,
                source=InstrumentSource.SHIPPED,
                enabled=definition.licence.kind != LicenceKind.CONTENT_PACK,
            )
        elif instrument.definition != stored:
            if instrument.responses.exists():
                raise ImproperlyConfigured(
                    f"{definition.reference} has been answered, so it cannot change: give the new definition a new version"
                )
            instrument.definition = stored
            instrument.title = definition.title
            instrument.save(update_fields=["definition", "title"])
        synced.append(instrument)
    return synced


def sync_shipped_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    sync_shipped(using)


def _file_errors(error: DefinitionFileError) -> ValidationError:
    return ValidationError({"file": [f"{where}: {what}" if where else what for where, what in error.problems.items()]})


def load_file(actor: Actor, content: bytes) -> Instrument:
    """Load a definition or a licensed item text pack from an administrator's file."""
    require_permission(actor, "measures.load_instruments")
    return _load(actor, content)


def load_file_on_server(content: bytes) -> Instrument:
    """The same, from the ``load_instrument_file`` command run on the server: audited as the system."""
    return _load(Actor.system("load_instrument_file"), content)


def _load(actor: Actor, content: bytes) -> Instrument:
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError({"file": "The file must be smaller than 512 KB"})
    if not content.strip():
        raise ValidationError({"file": "The selected file is empty"})
    try:
        parsed = parse_file(content)
    except DefinitionFileError as error:
        raise _file_errors(error) from error
    if isinstance(parsed, ItemTextPack):
        return _load_pack(actor, parsed)
    return _load_definition(actor, parsed)


def _load_definition(actor: Actor, definition: InstrumentDefinition) -> Instrument:
    if definition.text_is_licensed and definition.has_text:
        raise ValidationError({"file": LICENSED_TEXT_PROBLEM})
    with transaction.atomic():
        if Instrument.objects.filter(key=definition.key, version=definition.version).exists():
            raise ValidationError(
                {
                    "file": f"{definition.title} version {definition.version} is already loaded: give the new one a new version"
                }
            )
        instrument = Instrument.objects.create(
            key=definition.key,
            version=definition.version,
            title=definition.title,
            definition=_stored(definition),
            source=InstrumentSource.LOADED,
            enabled=definition.licence.kind != LicenceKind.CONTENT_PACK,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=instrument,
            summary=f"Loaded the definition of {definition.title} version {definition.version}",
        )
    return instrument


def _load_pack(actor: Actor, pack: ItemTextPack) -> Instrument:
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().filter(key=pack.instrument, version=pack.version).first()
        if instrument is None:
            raise ValidationError(
                {"file": f"There is no instrument {pack.instrument} version {pack.version} to load wording for"}
            )
        definition = InstrumentDefinition.model_validate(instrument.definition)
        if not definition.text_is_licensed:
            raise ValidationError(
                {"file": f"The wording of {definition.title} ships with Carehouse: there is nothing to load"}
            )
        problems = definition.check_pack(pack)
        if problems:
            raise ValidationError({"file": [f"{where}: {what}" for where, what in problems.items()]})
        replacing = bool(instrument.item_text)
        instrument.item_text = pack.model_dump(mode="json")
        instrument.text_licence_holder = pack.licence_holder
        instrument.text_loaded_at = timezone.now()
        instrument.text_loaded_by = actor.user
        instrument.enabled = True
        instrument.save()
        instrument.__dict__.pop("parsed", None)
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=instrument,
            summary=f"{'Replaced' if replacing else 'Loaded'} the licensed wording of {definition.title} "
            f"version {definition.version} (licence holder: {pack.licence_holder})",
        )
    return instrument


def set_enabled(actor: Actor, instrument: Instrument, enabled: bool) -> Instrument:
    """Switch whether new responses may be started (answered ones are kept either way)."""
    require_permission(actor, "measures.load_instruments")
    if enabled and instrument.needs_text:
        raise ValidationError({"enabled": f"Load the licensed wording of {instrument.title} before switching it on"})
    with transaction.atomic():
        Instrument.objects.filter(pk=instrument.pk).update(enabled=enabled)
        instrument.enabled = enabled
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=instrument,
            summary=f"Switched {instrument} {'on' if enabled else 'off'}",
        )
    return instrument
