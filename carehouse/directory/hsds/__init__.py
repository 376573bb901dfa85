"""HSDS 3.0 in and out: serialisation (``serialise``), import (``importer``) and export (``exporter``)."""
