"""The built-in rule: security topics go straight to the 24/7 security team at urgent priority."""

from django.db import migrations


def create_rule(apps, schema_editor):
    from kefu.routing.rules import SECURITY_CATEGORIES, SECURITY_KEYWORDS, SECURITY_TOPICS

    RoutingRule = apps.get_model("routing", "RoutingRule")
    if RoutingRule.objects.filter(builtin="security").exists():
        return
    RoutingRule.objects.create(
        name="Security: compromised account, unauthorized withdrawal, SIM swap, phishing",
        position=0, builtin="security", categories=SECURITY_CATEGORIES, keywords=SECURITY_KEYWORDS,
        topics=SECURITY_TOPICS, set_priority="urgent", add_tags=["security"], stop=False,
    )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]
    operations = [migrations.RunPython(create_rule, migrations.RunPython.noop)]
