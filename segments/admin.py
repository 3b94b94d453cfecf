"""Head office builds segments, sees who is in them, freezes snapshots and exports members.

Exports keep only the members whose current consent covers the segment's purpose and channel,
need the `segments.export_segment` permission, and are journaled (SegmentExport).
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from customers.admin import CustomerSearchMixin
from customers.models import ConsentPurpose, ContactChannel, Customer
from omni.access_journal import Door, journal_reads
from omni.access_journal_admin import JournaledAdminMixin
from omni.admin_toolkit import (
    RECORD_SECTION,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    TabularInline,
    related_count,
    service_action,
)
from segments.builder import builder_spec, segment_preview
from segments.models import (
    RULES_HELP_TEXT,
    Segment,
    SegmentExport,
    SegmentFacts,
    SegmentRule,
    SegmentSnapshot,
    SegmentSnapshotMember,
)
from segments.rules import FIELDS, RuleField, RuleOperator
from segments.selectors import (
    SegmentCounts,
    member_list,
    segment_counts,
    segment_members,
    segment_reachable_members,
    segments_with_rules,
    snapshot_counts,
    snapshot_reachable_members,
)
from segments.services import Export, segment_export, segment_snapshot_create, snapshot_export

MEMBERS_PER_PAGE = 50


def has_export_permission(request: HttpRequest) -> bool:
    return request.user.has_perm("segments.export_segment")


def journal_export(request: HttpRequest, export: Export, members: QuerySet[Customer]) -> None:
    """Journal each exported member's read, linked to the export: the database copies the
    members' ids (one INSERT … SELECT, however many), once the response is ready."""
    journal_reads(
        members.values("pk"),
        Door.SEGMENT_EXPORT,
        user=request.user,
        segment_export_id=export.journal.pk,
    )


def csv_response(export: Export) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def counts_summary(
    counts: SegmentCounts, purpose: str, channel: str, *, emphasised: bool = False
) -> str:
    """The counts in a sentence; `emphasised`: as HTML, the number of members in bold."""
    sentence = ngettext(
        "%(members)s member; %(reachable)s may be contacted for “%(purpose)s” by %(channel)s; "
        "%(excluded)s left out of exports (no current consent or no contact data).",
        "%(members)s members; %(reachable)s may be contacted for “%(purpose)s” by %(channel)s; "
        "%(excluded)s left out of exports (no current consent or no contact data).",
        counts.members,
    )
    values: dict[str, Any] = {
        "members": counts.members,
        "reachable": counts.reachable,
        "excluded": counts.excluded,
        "purpose": purpose,
        "channel": channel,
    }
    if not emphasised:
        return sentence % values
    escaped = {name: conditional_escape(value) for name, value in values.items()}
    escaped["members"] = format_html("<strong>{}</strong>", counts.members)
    # The sentence and every value escaped: only the <strong> is markup.
    return mark_safe(conditional_escape(sentence) % escaped)


class SegmentRuleInline(TabularInline):
    model = SegmentRule
    fields = ("group", "field", "operator", "value")
    extra = 1
    verbose_name_plural = _("rules (same group: all must hold; between groups: any may hold)")


def _freeze(request: HttpRequest, segment: Segment) -> str:
    snapshot = segment_snapshot_create(segment=segment, actor=request.user)
    return gettext("Snapshot “%(name)s” frozen with %(count)s members.") % {
        "name": snapshot.name,
        "count": snapshot.member_count,
    }


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    change_form_template = "admin/segments/segment/change_form.html"
    list_display = (
        "name",
        "purpose",
        "contact_channel",
        "is_active",
        "rule_count",
        "created_by",
        "updated_at",
    )
    list_filter = ("purpose", "contact_channel", "is_active")
    list_select_related = ("created_by",)
    search_fields = ("name", "description")
    readonly_fields = ("live_count", "rule_reference", "created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active")}),
        (_("Campaign"), {"fields": ("purpose", "contact_channel")}),
        (_("Members now"), {"fields": ("live_count",), "description": RULES_HELP_TEXT}),
        (_("How to write rules"), {"fields": ("rule_reference",), "classes": ("collapse",)}),
        (
            RECORD_SECTION,
            {"fields": ("created_by", "created_at", "updated_at")},
        ),
    )
    inlines = (SegmentRuleInline,)
    actions = (
        service_action(
            name="freeze_snapshot",
            description=_("Freeze a snapshot of the members"),
            description_plural=_("Freeze a snapshot of each selected segment"),
            perform=_freeze,
            permission="snapshot",
        ),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(rule_count=related_count(Segment, "rules"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/members/",
                view(self.members_view),
                name="segments_segment_members",
            ),
            path(
                "<path:object_id>/export/",
                view(require_POST(self.export_view)),
                name="segments_segment_export",
            ),
            path(
                "preview/",
                view(require_POST(self.preview_view)),
                name="segments_segment_preview",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_snapshot_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("segments.add_segmentsnapshot")

    @admin.display(description=_("rules"), ordering="rule_count")
    def rule_count(self, segment: Segment) -> int:
        return segment.rule_count

    @admin.display(description=_("live count"))
    def live_count(self, segment: Segment) -> str:
        if segment.pk is None:
            return gettext("Save the segment to count its members.")
        summary = counts_summary(
            segment_counts(segment),
            segment.get_purpose_display(),
            segment.get_contact_channel_display(),
        )
        url = reverse("admin:segments_segment_members", args=[segment.pk])
        return format_html('{} <a href="{}">{}</a>', summary, url, gettext("See the members"))

    @admin.display(description=_("fields and their operators"))
    def rule_reference(self, segment: Segment) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> ({}): {}</li>",
                (
                    (
                        RuleField(field).label,
                        field,
                        ", ".join(
                            f"{RuleOperator(name).label} ({name})" for name in spec.operators
                        ),
                    )
                    for field, spec in FIELDS.items()
                ),
            ),
        )

    def _segment_or_404(self, request: HttpRequest, object_id: str) -> Segment:
        segment = get_object_or_404(segments_with_rules(), pk=object_id)
        if not self.has_view_permission(request, segment):
            raise PermissionDenied
        return segment

    def members_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        segment = self._segment_or_404(request, object_id)
        page = Paginator(member_list(segment_members(segment)), MEMBERS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        journal_reads([member.pk for member in page], Door.SEGMENT_MEMBERS, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": segment,
            "title": gettext("Members of “%(name)s”") % {"name": segment.name},
            "page": page,
            "can_export": has_export_permission(request),
            "export_url": reverse("admin:segments_segment_export", args=[segment.pk]),
        }
        return TemplateResponse(request, "admin/segments/segment/members.html", context)

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The live count of the rules as they stand in the form (not saved): htmx posts the
        change form here on every change."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        preview = segment_preview(request.POST)
        purpose = dict(ConsentPurpose.choices).get(request.POST.get("purpose", ""), "")
        channel = dict(ContactChannel.choices).get(request.POST.get("contact_channel", ""), "")
        context = {
            "preview": preview,
            "summary": counts_summary(preview.counts, purpose, channel, emphasised=True)
            if preview.counts
            else "",
        }
        return TemplateResponse(request, "admin/segments/segment/preview.html", context)

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        segment = self._segment_or_404(request, object_id)
        if not has_export_permission(request):
            raise PermissionDenied
        export = segment_export(segment=segment, actor=request.user)
        journal_export(request, export, segment_reachable_members(segment))
        return csv_response(export)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            **self._builder_context(),
            "can_export": has_export_permission(request),
            "members_url": reverse("admin:segments_segment_members", args=[object_id]),
            "export_url": reverse("admin:segments_segment_export", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), **self._builder_context()}
        return super().add_view(request, form_url, extra)

    @staticmethod
    def _builder_context() -> dict[str, Any]:
        return {
            "builder_spec": builder_spec(),
            "preview_url": reverse("admin:segments_segment_preview"),
        }


@admin.register(SegmentSnapshot)
class SegmentSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/segments/segmentsnapshot/change_form.html"
    list_display = ("name", "segment", "created_at", "created_by", "member_count", "purpose")
    list_filter = ("purpose", "contact_channel", "segment")
    list_select_related = ("segment", "created_by")
    search_fields = ("name", "segment__name")
    date_hierarchy = "created_at"
    fields = (
        "name",
        "segment",
        "created_at",
        "created_by",
        "member_count",
        "purpose",
        "contact_channel",
        "frozen_rules",
        "exportable_now",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A campaign's audience can be removed once sent; the export journal keeps the trace.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/export/",
                view(require_POST(self.export_view)),
                name="segments_segmentsnapshot_export",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("rules when frozen"))
    def frozen_rules(self, snapshot: SegmentSnapshot) -> str:
        labels = dict(SegmentRule._meta.get_field("field").choices)
        operators = dict(SegmentRule._meta.get_field("operator").choices)
        return " · ".join(
            f"[{rule['group']}] {labels.get(rule['field'], rule['field'])} "
            f"{operators.get(rule['operator'], rule['operator'])} {rule['value']}".strip()
            for rule in snapshot.rules
        )

    @admin.display(description=_("exportable now"))
    def exportable_now(self, snapshot: SegmentSnapshot) -> str:
        return counts_summary(
            snapshot_counts(snapshot),
            snapshot.get_purpose_display(),
            snapshot.get_contact_channel_display(),
        )

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        snapshot = get_object_or_404(SegmentSnapshot, pk=object_id)
        if not self.has_view_permission(request, snapshot) or not has_export_permission(request):
            raise PermissionDenied
        export = snapshot_export(snapshot=snapshot, actor=request.user)
        journal_export(request, export, snapshot_reachable_members(snapshot))
        return csv_response(export)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            "can_export": has_export_permission(request),
            "export_url": reverse("admin:segments_segmentsnapshot_export", args=[object_id]),
            "members_url": reverse("admin:segments_segmentsnapshotmember_changelist")
            + f"?snapshot__id__exact={int(object_id)}",
        }
        return super().change_view(request, object_id, form_url, extra)


@admin.register(SegmentExport)
class SegmentExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The journal of exports, for the data protection officer."""

    list_display = (
        "exported_at",
        "label",
        "exported_by",
        "purpose",
        "contact_channel",
        "row_count",
        "excluded_count",
    )
    list_filter = ("purpose", "contact_channel", "exported_by")
    list_select_related = ("exported_by",)
    search_fields = ("label",)
    date_hierarchy = "exported_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.opts.fields]


@admin.register(SegmentRule)
class SegmentRuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every rule of every segment: which segments use a tag, a store, a consent..."""

    list_display = ("segment", "group", "field", "operator", "value")
    list_filter = ("field", "operator")
    list_select_related = ("segment",)
    search_fields = ("value", "segment__name")
    fields = ("segment", "group", "field", "operator", "value")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields  # Rules are edited on their segment's page.


@admin.register(SegmentSnapshotMember)
class SegmentSnapshotMemberAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Which frozen campaign audiences included a customer (subject access requests)."""

    list_display = ("snapshot", "customer")
    list_filter = ("snapshot",)
    list_select_related = ("snapshot", "customer")
    fields = ("snapshot", "customer")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields


@admin.register(SegmentFacts)
class SegmentFactsAdmin(
    JournaledAdminMixin, BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """What segment rules read for each live customer, kept by the database from the profiles,
    metrics, consents, addresses and tags (read-only: change those). Shown to check why a
    customer is or is not in a segment; customers appear by their number only."""

    list_display = (
        "customer_number",
        "lifecycle_stage",
        "loyalty_tier",
        "order_count",
        "total_spent",
        "last_order_at",
        "granted",
    )
    list_filter = ("lifecycle_stage", "loyalty_tier", "has_email", "has_phone", "has_address")
    sortable_by = ()
    readonly_fields = [
        "customer_number",
        *(field.name for field in SegmentFacts._meta.concrete_fields if field.name != "customer"),
    ]
    fields = readonly_fields

    @admin.display(description=_("customer"))
    def customer_number(self, facts: SegmentFacts) -> str:
        url = reverse("admin:customers_customer_change", args=[facts.customer_id])
        return format_html('<a href="{}">#{}</a>', url, facts.customer_id)
