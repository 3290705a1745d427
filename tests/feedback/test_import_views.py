"""The import pages end to end: upload, preview, mapping, background run, report, permissions."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests import factories
from voxloop.feedback.importing.jobs import do_run_import_job
from voxloop.feedback.models import Channel, FeedbackItem, ImportJob

pytestmark = pytest.mark.django_db

CSV = (
    "评论内容,推荐度,日期,会员ID\n"
    "配送太慢了,3,2026-01-02,M1\n"
    "客服很好,9,2026-01-03,M2\n"
    "包装破损,11,2026-01-04,M3\n"
    "退款很快,8,2026-01-05,M1\n"
)


def _upload(client, content=CSV, name="reviews.csv", **extra):
    channel = Channel.objects.get(workspace__slug="acme", slug="import")
    data = {"channel": channel.pk, "file": SimpleUploadedFile(name, content.encode("gb18030"))}
    data.update(extra)
    return client.post(reverse("feedback:import"), data)


def _mapping_post(**overrides):
    data = {
        "map_text": "评论内容",
        "map_nps": "推荐度",
        "map_occurred_at": "日期",
        "map_customer": "会员ID",
    }
    data.update(overrides)
    return data


def test_upload_preview_map_run_and_report(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.alice)
    res = _upload(client)
    job = ImportJob.objects.get(workspace=world.acme)
    assert res.status_code == 302 and res["Location"] == reverse(
        "feedback:import_mapping", args=[job.pk]
    )
    page = client.get(res["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "gb18030" in html
    assert "配送太慢了" in html and "退款很快" in html  # the preview rows
    assert 'value="推荐度" selected' in html  # the mapping was guessed
    with django_capture_on_commit_callbacks(execute=True):
        res = client.post(page.request["PATH_INFO"], _mapping_post())
    assert res.status_code == 302
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert (job.created_count, job.existing_count, job.rejected_count) == (3, 0, 1)
    assert job.rejects == [
        {
            "row": 4,
            "field": "nps",
            "column": "推荐度",
            "error": "Input should be less than or equal to 10",
        }
    ]
    assert FeedbackItem.objects.filter(workspace=world.acme, channel__slug="import").count() == 3
    detail = client.get(reverse("feedback:import_job", args=[job.pk])).content.decode()
    assert "Input should be less than or equal to 10" in detail and "hx-trigger" not in detail
    report = client.get(reverse("feedback:import_rejects", args=[job.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0]["row"] == "4" and json.loads(rows[0]["source"])["评论内容"] == "包装破损"
    # The mapping is remembered for the channel and pre-fills the next upload.
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    assert channel.import_mapping["columns"]["nps"] == "推荐度"
    # Re-importing the same file creates no duplicates.
    _upload(client)
    job2 = ImportJob.objects.filter(workspace=world.acme).latest("id")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("feedback:import_mapping", args=[job2.pk]), _mapping_post())
    job2.refresh_from_db()
    assert (job2.created_count, job2.existing_count, job2.rejected_count) == (0, 3, 1)
    listing = client.get(reverse("feedback:import")).content.decode()
    assert listing.count("reviews.csv") == 2


def test_progress_fragment_polls_while_running(client, world):
    client.force_login(world.alice)
    _upload(client)
    job = ImportJob.objects.get(workspace=world.acme)
    client.post(reverse("feedback:import_mapping", args=[job.pk]), _mapping_post())
    job.refresh_from_db()
    assert job.state == "pending"  # the task is queued after commit, which a test never reaches
    frag = client.get(reverse("feedback:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in frag
    page = client.get(reverse("feedback:import_job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    do_run_import_job(job.pk)
    frag = client.get(reverse("feedback:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in frag and 'data-count="created">3<' in frag
    assert do_run_import_job(job.pk) is None  # a job runs once


def test_mapping_errors_are_shown_on_the_form(client, world):
    client.force_login(world.alice)
    _upload(client)
    job = ImportJob.objects.get(workspace=world.acme)
    url = reverse("feedback:import_mapping", args=[job.pk])
    res = client.post(url, _mapping_post(map_text=""))
    assert res.status_code == 400 and 'data-field="map_text"' in res.content.decode()
    res = client.post(url, _mapping_post(map_nps="no such column"))
    assert res.status_code == 400 and "no such column" in res.content.decode()
    res = client.post(url, _mapping_post(map_customer="", map_customer_name="会员ID"))
    assert "customer_name needs customer" in res.content.decode()
    job.refresh_from_db()
    assert job.options["awaiting_mapping"] is True


def test_bad_uploads_name_the_problem(client, world):
    client.force_login(world.alice)
    res = _upload(client, name="old.xls")
    assert res.status_code == 400 and ".xlsx" in res.content.decode()
    res = _upload(client, content="", name="empty.csv")
    assert res.status_code == 400 and 'data-field="file"' in res.content.decode()
    res = client.post(reverse("feedback:import"), {"channel": 999999})
    assert res.status_code == 400 and 'data-field="channel"' in res.content.decode()
    with override_settings(MAX_UPLOAD_MB=1):
        res = _upload(client, content="text\n" + "x" * (1024 * 1024 + 10) + "\n")
    assert res.status_code == 400 and "larger than the 1 MB limit" in res.content.decode()
    assert "This field is required" not in res.content.decode()
    broken = SimpleUploadedFile("bad.xlsx", b"PK not really a zip")
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    res = client.post(reverse("feedback:import"), {"channel": channel.pk, "file": broken})
    assert res.status_code == 400 and "not a readable .xlsx" in res.content.decode()
    assert not ImportJob.objects.exists()


def test_a_disabled_channel_cannot_be_chosen(client, world):
    client.force_login(world.alice)
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    channel.is_active = False
    channel.save()
    res = _upload(client)
    assert res.status_code == 400 and not ImportJob.objects.exists()


def test_permissions(client, world):
    client.force_login(world.alice)
    _upload(client)
    job = ImportJob.objects.get(workspace=world.acme)
    urls = [
        reverse("feedback:import_job", args=[job.pk]),
        reverse("feedback:import_mapping", args=[job.pk]),
        reverse("feedback:import_progress", args=[job.pk]),
        reverse("feedback:import_rejects", args=[job.pk]),
    ]
    client.force_login(world.vera)  # a viewer may not import
    assert client.get(reverse("feedback:import")).status_code == 403
    assert _upload(client).status_code == 403
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(world.bob)  # an agent neither
    assert client.get(reverse("feedback:import")).status_code == 403
    client.force_login(world.charlie)  # the outsider sees nothing of acme's job
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[1], _mapping_post()).status_code == 404
    assert "reviews.csv" not in client.get(reverse("feedback:import")).content.decode()
    client.logout()
    assert client.get(reverse("feedback:import")).status_code == 302  # to the login page


def test_a_job_whose_creator_left_fails_cleanly(world):
    manager = factories.UserFactory(email="mia@acme.test")
    membership = factories.member(world.acme, manager, "manager")
    from voxloop.feedback.importing.jobs import do_create_import_job, do_start_import_job

    actor = factories.actor(world.acme, manager)
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    job = do_create_import_job(
        actor, channel_id=channel.pk, upload=SimpleUploadedFile("f.csv", b"text\nhello\n")
    )
    do_start_import_job(actor, job.pk, columns={"text": "text"})
    membership.delete()
    do_run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and "no longer a member" in job.error
    assert not FeedbackItem.objects.exists()


def test_pages_are_translated(client, world):
    client.force_login(world.alice)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("feedback:import"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "导入反馈" in page and "上传并预览" in page
    page = client.get(reverse("feedback:channels"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新建渠道" in page and "网页组件" in page


def test_xlsx_and_jsonl_uploads(client, world, django_capture_on_commit_callbacks, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Feedback, March"])
    ws.merge_cells("A1:C1")
    ws.append(["Comment", "Rating", "Store"])
    ws.append(["Cold food", 1, "SH-01"])
    ws.append(["Warm welcome", 5, None, "note beside the table"])
    ws.merge_cells("C3:C4")
    wb.save(tmp_path / "march.xlsx")
    client.force_login(world.alice)
    channel = Channel.objects.get(workspace=world.acme, slug="import")
    upload = SimpleUploadedFile("march.xlsx", (tmp_path / "march.xlsx").read_bytes())
    res = client.post(reverse("feedback:import"), {"channel": channel.pk, "file": upload})
    page = client.get(res["Location"]).content.decode()
    assert "Cold food" in page and "merged cell range" in page and "row 2" in page.lower()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            res["Location"], {"map_text": "Comment", "map_stars": "Rating", "keep_unmapped": "on"}
        )
    warm = FeedbackItem.objects.get(text="Warm welcome")
    assert warm.stars == 5
    assert warm.metadata == {"Store": "SH-01", "column 4": "note beside the table"}
    lines = b'{"text": "one", "nps": 9}\n{broken\n{"text": "two", "nps": 99}\n'
    upload = SimpleUploadedFile("api-dump.jsonl", lines)
    res = client.post(reverse("feedback:import"), {"channel": channel.pk, "file": upload})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(res["Location"], {"map_text": "text", "map_nps": "nps"})
    job = ImportJob.objects.latest("id")
    assert (job.created_count, job.rejected_count) == (1, 2)
    assert [(r["row"], r["field"]) for r in job.rejects] == [(2, "row"), (3, "nps")]


def test_a_failed_or_stalled_import_can_be_run_again(
    client, world, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import time_machine

    client.force_login(world.alice)
    _upload(client)
    job = ImportJob.objects.get(workspace=world.acme)
    client.post(reverse("feedback:import_mapping", args=[job.pk]), _mapping_post())
    retry = reverse("feedback:import_retry", args=[job.pk])
    res = client.post(retry)  # pending: nothing to retry
    assert res.status_code == 302
    job.refresh_from_db()
    assert job.state == "pending"
    # A worker took it and died half-way: the job stays "running" with no progress.
    ImportJob.objects.filter(pk=job.pk).update(state="running", created_count=2)
    assert "Run the import again" not in client.get(res["Location"]).content.decode()
    with time_machine.travel(timedelta(minutes=11)):
        page = client.get(reverse("feedback:import_job", args=[job.pk])).content.decode()
        assert "Run the import again" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(retry)
    job.refresh_from_db()
    assert job.state == "done" and job.created_count == 3
    assert FeedbackItem.objects.filter(workspace=world.acme).count() == 3
    client.force_login(world.vera)
    assert client.post(retry).status_code == 403
    client.force_login(world.charlie)
    assert client.post(retry).status_code == 404


def test_upload_keeps_csrf_protection(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert _upload(client).status_code == 403
    assert not ImportJob.objects.exists()
