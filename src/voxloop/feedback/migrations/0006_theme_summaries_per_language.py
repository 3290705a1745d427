"""Theme summaries in both languages: the one summary so far was in the server's language."""

from django.conf import settings
from django.db import migrations, models


def keep_summaries(apps, schema_editor):
    ThemeSuggestion = apps.get_model("feedback", "ThemeSuggestion")
    field = "summary_zh" if str(settings.LANGUAGE_CODE).lower().startswith("zh") else "summary_en"
    for row in ThemeSuggestion.objects.exclude(summary="").only("id", "summary"):
        ThemeSuggestion.objects.filter(pk=row.pk).update(**{field: row.summary})


def back(apps, schema_editor):
    ThemeSuggestion = apps.get_model("feedback", "ThemeSuggestion")
    field = "summary_zh" if str(settings.LANGUAGE_CODE).lower().startswith("zh") else "summary_en"
    for row in ThemeSuggestion.objects.exclude(**{field: ""}).only("id", field):
        ThemeSuggestion.objects.filter(pk=row.pk).update(summary=getattr(row, field))


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_theme_llm_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="themesuggestion",
            name="summary_zh",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="themesuggestion",
            name="summary_en",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(keep_summaries, back),
        migrations.RemoveField(model_name="themesuggestion", name="summary"),
    ]
