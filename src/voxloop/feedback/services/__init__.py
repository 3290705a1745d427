"""The only code that changes feedback data; views, API, CLI and tasks call these."""

from voxloop.feedback.services.ingest import (
    DEFAULT_CHANNELS,
    IngestResult,
    do_create_default_channels,
    do_ingest_feedback,
)
from voxloop.feedback.services.labels import (
    BULK_ACTIONS,
    access_item,
    do_bulk_action,
    do_delete_topic,
    do_relabel,
    do_save_channel,
    do_save_topic,
)

__all__ = [
    "BULK_ACTIONS",
    "DEFAULT_CHANNELS",
    "IngestResult",
    "access_item",
    "do_bulk_action",
    "do_create_default_channels",
    "do_delete_topic",
    "do_ingest_feedback",
    "do_relabel",
    "do_save_channel",
    "do_save_topic",
]
