from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """120 -> '2 min'; None -> '–' (nothing to go by)."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)s min") % {"n": seconds // 60}
    return _("%(h)s h %(m)s min") % {"h": seconds // 3600, "m": (seconds % 3600) // 60}
