"""Django admin for editors. Saving goes through the services, so revisions, the derived zh-Hant
version and the search index stay in step with what the admin changes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kefu.knowledge import services
from kefu.knowledge.models import (
    EDITED_LANGUAGES,
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleTranslation,
    Category,
    CategoryTranslation,
)


class CategoryTranslationInline(admin.TabularInline):
    model = CategoryTranslation
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "position", "icon"]
    inlines = [CategoryTranslationInline]


class TranslationForm(forms.ModelForm):
    questions_text = forms.CharField(label=_("example questions (one per line)"), widget=forms.Textarea,
                                     required=False)

    class Meta:
        model = ArticleTranslation
        fields = ["language", "title", "short_answer", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(c, n) for c, n in self.fields["language"].choices if c in EDITED_LANGUAGES]
        if self.instance.pk:
            self.initial["questions_text"] = "\n".join(self.instance.questions)


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    form = TranslationForm
    extra = 0
    readonly_fields = ["derived", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(language__in=EDITED_LANGUAGES)


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ["language", "number", "title", "editor", "note", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["slug", "category", "status", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["slug", "translations__title"]
    filter_horizontal = ["tags"]
    inlines = [TranslationInline, RevisionInline]
    actions = ["publish", "unpublish"]
    readonly_fields = ["status", "published_at"]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ArticleTranslation:
            return super().save_formset(request, form, formset, change)
        article = form.instance
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.cleaned_data:
                continue
            data = inline_form.cleaned_data
            if data.get("DELETE"):
                if inline_form.instance.pk:
                    inline_form.instance.delete()
                continue
            questions = [q for q in (data.get("questions_text") or "").splitlines() if q.strip()]
            services.save_version(article, data["language"], services.Version(
                data["title"], data.get("body") or "", data.get("short_answer") or "", questions),
                editor=request.user, note="admin")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Publish selected articles"))
    def publish(self, request, queryset):
        for article in queryset:
            services.publish_article(article)
        messages.success(request, _("Published."))

    @admin.action(description=_("Move selected articles back to draft"))
    def unpublish(self, request, queryset):
        for article in queryset.filter(status=ArticleStatus.PUBLISHED):
            services.unpublish_article(article)
        messages.success(request, _("Moved to draft."))
