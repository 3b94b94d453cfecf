from django.db import migrations

from segments.facts import TRIGGER_FUNCTIONS


def install(apps, schema_editor):
    """The trigger functions of 0002 again, able to defer to the end of a block (see
    omni.transactions.kept_tables_deferred), and the function that ends one."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(TRIGGER_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("segments", "0002_segment_facts")]

    # Backwards: the functions stay (outside a deferred block they behave as 0002's); 0002's
    # own reversal drops them all.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
