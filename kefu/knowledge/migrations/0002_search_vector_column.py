"""PostgreSQL: a stored tsvector column with a GIN index replaces the expression index (faster ranking).
SQLite: nothing to do (FTS5 keeps its own index)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from kefu.knowledge.search import create_schema

    create_schema(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_searchdocument_vector")
        schema_editor.execute("ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
