"""The full-text index beside the search entries: FTS5 tables on SQLite, a tsvector and pg_trgm on PostgreSQL."""

from django.db import migrations


def create_text_index(apps, schema_editor):
    from carehouse.directory.search import text

    statements = text.POSTGRESQL_SCHEMA if schema_editor.connection.vendor == "postgresql" else text.SQLITE_SCHEMA
    for statement in statements:
        schema_editor.execute(statement)


def drop_text_index(apps, schema_editor):
    from carehouse.directory.search import text

    statements = text.POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else text.SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create_text_index, drop_text_index)]
