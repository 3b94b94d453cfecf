"""A return says what its refund is made of: lines, shipping refunded, and an adjustment
without lines (a goodwill gesture, or a refund discrepancy), adding up to its refund amount."""

import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# Data, not interface text: the reason stays as written whatever the reader's language.
EARLIER_DIFFERENCE = "Difference between the refund and its lines, recorded before itemising"


def record_the_difference_as_an_adjustment(apps, schema_editor) -> None:
    """Returns recorded so far held what was paid back whatever their lines said: the
    difference becomes their adjustment, so that every return adds up."""
    Return = apps.get_model("journeys", "Return")
    ReturnLine = apps.get_model("journeys", "ReturnLine")
    lines_total = Coalesce(
        Subquery(
            ReturnLine.objects.filter(parent=OuterRef("pk"))
            .values("parent")
            .annotate(total=Sum("refund_amount"))
            .values("total")
        ),
        Value(0),
        output_field=models.DecimalField(max_digits=12, decimal_places=2),
    )
    Return.objects.annotate(lines_total=lines_total).exclude(refund_amount=F("lines_total")).update(
        adjustment=F("refund_amount") - lines_total, adjustment_reason=EARLIER_DIFFERENCE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_admin_filter_and_identity_indexes"),
        ("journeys", "0007_admin_filter_and_reference_indexes"),
        ("omni", "0002_api_clients"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="return",
            name="adjustment",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                help_text=(
                    "Paid back beyond the lines and shipping (a goodwill gesture), "
                    "or short of them (negative: a refund discrepancy)."
                ),
                max_digits=12,
                verbose_name="adjustment",
            ),
        ),
        migrations.AddField(
            model_name="return",
            name="adjustment_reason",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=200,
                verbose_name="reason for the adjustment",
            ),
        ),
        migrations.AddField(
            model_name="return",
            name="shipping_refund",
            field=models.DecimalField(
                db_default=0,
                decimal_places=2,
                default=0,
                max_digits=12,
                verbose_name="shipping refunded",
            ),
        ),
        migrations.AlterField(
            model_name="return",
            name="refund_amount",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text="Paid back in all: the lines, the shipping refunded and the adjustment.",
                max_digits=12,
                verbose_name="refund amount",
            ),
        ),
        migrations.RunPython(record_the_difference_as_an_adjustment, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(("shipping_refund__gte", 0)),
                name="return_shipping_refund_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "refund_amount__gte",
                        django.db.models.expressions.CombinedExpression(
                            models.F("shipping_refund"), "+", models.F("adjustment")
                        ),
                    )
                ),
                name="return_lines_share_not_negative",
                violation_error_message=(
                    "The shipping refunded and the adjustment exceed the refund amount."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="return",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("adjustment", 0),
                    models.Q(("adjustment_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="return_adjustment_has_reason",
                violation_error_message="Say why the refund has an adjustment.",
            ),
        ),
    ]
