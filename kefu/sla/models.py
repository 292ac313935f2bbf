"""Calendars, holidays, SLA policies and escalations, and each conversation's SLA state."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.sla.business_time import Interval, Schedule


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone (e.g. Asia/Shanghai)."), params={"value": value})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Calendar(models.Model):
    """Business hours: a time zone, working intervals per weekday, and holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai",
                                 validators=[validate_time_zone], help_text=_("IANA name, e.g. Asia/Shanghai."))
    is_default = models.BooleanField(
        _("default"), default=False,
        help_text=_("Used for teams, inboxes and policies that name no calendar of their own."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def schedule(self) -> Schedule:
        """The calendar as the business-time functions need it (two queries)."""
        intervals = tuple(Interval(i.weekday, i.start, i.end) for i in self.intervals.all())
        holidays = frozenset(self.holidays.values_list("date", flat=True))
        return Schedule(self.zone, intervals, holidays)


class WorkingInterval(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(
        _("to"), help_text=_("At or before the start: runs past midnight into the next day. 00:00-00:00 is all day."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working interval")
        verbose_name_plural = _("working intervals")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_holiday_per_calendar")]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class TeamCalendar(models.Model):
    """The business hours of a team (a team without one uses the default calendar)."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="sla_calendar",
                                verbose_name=_("team"))
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("team calendar")
        verbose_name_plural = _("team calendars")

    def __str__(self) -> str:
        return f"{self.team}: {self.calendar}"


class InboxHours(models.Model):
    """An inbox's business hours and its after-hours auto-reply."""

    inbox = models.OneToOneField("inboxes.Inbox", on_delete=models.CASCADE, related_name="business_hours",
                                 verbose_name=_("inbox"))
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar"))
    after_hours_reply = models.BooleanField(
        _("after-hours auto-reply"), default=True,
        help_text=_("Outside these hours, answer a customer's message once a day with when a human will reply."),
    )
    message_en = models.TextField(
        _("auto-reply (English)"), blank=True,
        help_text=_("Leave empty for the built-in text. {next} is replaced with the next working time."),
    )
    message_zh_hans = models.TextField(_("auto-reply (Simplified Chinese)"), blank=True)

    class Meta:
        verbose_name = _("inbox business hours")
        verbose_name_plural = _("inbox business hours")

    def __str__(self) -> str:
        return f"{self.inbox}: {self.calendar}"


class ContactTimeZone(models.Model):
    """A customer's own time zone, when known; after-hours replies name times in it."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="time_zone_info",
                                   verbose_name=_("contact"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])

    class Meta:
        verbose_name = _("contact time zone")
        verbose_name_plural = _("contact time zones")

    def __str__(self) -> str:
        return f"{self.contact}: {self.time_zone}"


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaPolicy(models.Model):
    """Response and resolution targets for the conversations its conditions select.

    Policies are tried in `position` order; the first whose conditions all hold applies. An empty
    condition matches everything.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies",
        verbose_name=_("calendar"),
        help_text=_("Business hours the targets count in; empty: the team's calendar, else the default."),
    )
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    categories = models.JSONField(
        _("categories"), default=list, blank=True,
        help_text=_("A category also matches its subcategories (funds matches funds.withdrawal_failed)."),
    )
    inboxes = models.ManyToManyField("inboxes.Inbox", blank=True, related_name="+", verbose_name=_("inboxes"))
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+", verbose_name=_("teams"))
    min_vip_tier = models.PositiveSmallIntegerField(
        _("minimum VIP tier"), null=True, blank=True, help_text=_("Only customers of this VIP tier or higher."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"), null=True,
                                                         blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"), null=True,
                                                        blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def target_minutes(self, target: str) -> int | None:
        return getattr(self, f"{target}_minutes")


class Moment(models.TextChoices):
    WARNING = "warning", pgettext_lazy("sla moment", "Warning")
    BREACH = "breach", pgettext_lazy("sla moment", "Breach")


class EscalationAction(models.TextChoices):
    NOTIFY = "notify", _("Notify the assignee and supervisors")
    RAISE_PRIORITY = "raise_priority", _("Raise priority")
    REASSIGN_TEAM = "reassign_team", _("Reassign to another team")


class Escalation(models.Model):
    """What to do before a deadline (warning) or when it passes (breach)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(_("target"), max_length=20, choices=Target.choices)
    moment = models.CharField(_("when"), max_length=10, choices=Moment.choices, default=Moment.BREACH)
    warning_minutes = models.PositiveIntegerField(
        _("warning window (business minutes)"), default=15,
        help_text=_("For warnings: how long before the deadline."),
    )
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices,
                              default=EscalationAction.NOTIFY)
    priority = models.CharField(
        _("raise to priority"), max_length=10, blank=True, help_text=_("Empty: one step higher."),
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("reassign to team"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["policy", "target", "moment", "pk"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.get_target_display()} / {self.get_moment_display()}: {self.get_action_display()}"

    def clean(self) -> None:
        if self.action == EscalationAction.REASSIGN_TEAM and self.team_id is None:
            raise ValidationError({"team": _("Choose the team to reassign to.")})


class ConversationSla(models.Model):
    """The SLA state of one conversation, recomputed from its history on every relevant change."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    paused = models.BooleanField(default=False)
    paused_seconds = models.PositiveIntegerField(default=0, help_text="wall-clock seconds spent paused")
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    first_response_left = models.IntegerField(null=True, blank=True, help_text="business seconds left")
    first_response_breached = models.BooleanField(default=False)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_met_at = models.DateTimeField(null=True, blank=True)
    next_response_left = models.IntegerField(null=True, blank=True)
    next_response_breached = models.BooleanField(default=False)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_left = models.IntegerField(null=True, blank=True)
    resolution_breached = models.BooleanField(default=False)
    # The earliest upcoming warning or deadline; the sweep and the scheduled task look here.
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("conversation SLA")
        verbose_name_plural = _("conversation SLAs")

    def __str__(self) -> str:
        return f"SLA of conversation {self.conversation_id}"

    @property
    def any_breached(self) -> bool:
        return self.first_response_breached or self.next_response_breached or self.resolution_breached


class EscalationFiring(models.Model):
    """One escalation that ran for one conversation; the unique key makes each fire only once."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="sla_escalations")
    escalation = models.ForeignKey(Escalation, null=True, on_delete=models.SET_NULL, related_name="firings")
    target = models.CharField(max_length=20, choices=Target.choices)
    moment = models.CharField(max_length=10, choices=Moment.choices)
    # Which occurrence of the target: "-" for first response and resolution, the start of the waiting
    # period for next response (each customer message after an agent reply opens a new one).
    cycle = models.CharField(max_length=40)
    due_at = models.DateTimeField(null=True)
    fired_at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "escalation", "target", "moment", "cycle"],
                                    name="uniq_escalation_firing"),
        ]
        verbose_name = _("escalation run")
        verbose_name_plural = _("escalation runs")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.target} {self.moment} {self.cycle}"


class AfterHoursReply(models.Model):
    """An after-hours auto-reply sent in a conversation on one local date (at most one per day)."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    message = models.ForeignKey("conversations.Message", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "local_date"], name="uniq_after_hours_reply_per_day"),
        ]
        verbose_name = _("after-hours reply")
        verbose_name_plural = _("after-hours replies")
