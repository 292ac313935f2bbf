"""Parsing inbound email: bodies, quotes, signatures, HTML, Chinese charsets, auto-replies (no database)."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage

import pytest

from kefu.channels.email_parsing import decode_bytes, html_to_text, parse_email, strip_quoted_reply


def mail(body: str = "hello", subtype: str = "plain", charset: str = "utf-8", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Wang <wang@example.org>")
    message["To"] = "support@exchange.test"
    message["Subject"] = headers.pop("Subject", "Question")
    message["Message-ID"] = "<m1@example.org>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, subtype=subtype, charset=charset)
    return message.as_bytes()


@pytest.mark.parametrize("text,expected", [
    ("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Support <s@x.test> wrote:\n> old", "Thanks!"),
    ("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Support\n<s@x.test> wrote:\n> old", "Thanks!"),
    ("收到，谢谢\n\n在 2026年11月23日 10:00，客服 <s@x.test> 写道：\n> 您好", "收到，谢谢"),
    ("好的\n\n-----原始邮件-----\n发件人: 客服\n发送时间: 2026年11月23日", "好的"),
    ("OK\n\n-----Original Message-----\nFrom: Support", "OK"),
    ("Done.\n\nFrom: Support <s@x.test>\nSent: Monday, November 23, 2026\nTo: me", "Done."),
    ("已处理\n\n发件人: 客服 <s@x.test>\n发送时间: 2026年11月23日\n收件人: 我", "已处理"),
    ("Please check.\n\n-- \nWang Lei\nVIP 3 trader", "Please check."),
    ("请查一下\n\n发自我的iPhone", "请查一下"),
    ("line one\n> quoted inline\nline two", "line one\nline two"),
    ("From: the start of my story, it was fine.\nReally.", "From: the start of my story, it was fine.\nReally."),
])
def test_quoted_replies_and_signatures_are_stripped(text, expected):
    assert strip_quoted_reply(text) == expected


def test_a_message_that_is_only_a_quote_is_kept_whole():
    assert strip_quoted_reply("> only quoted") == "> only quoted"


def test_html_is_sanitized_to_text():
    html = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
            "<p>Hello&nbsp;team,</p><div>my <b>deposit</b> is missing<br>TXID: 0xabc</div>"
            "<ul><li>USDT</li><li>TRC20</li></ul><img src=x onerror=alert(1)>"
            '<div class="gmail_quote">On Mon wrote: <blockquote>old stuff</blockquote></div></body></html>')
    text = html_to_text(html)
    assert text == "Hello team,\n\nmy deposit is missing\nTXID: 0xabc\n\n- USDT\n\n- TRC20"
    assert "alert" not in text and "old stuff" not in text and "<" not in text


def test_html_only_mail_uses_the_sanitized_html():
    parsed = parse_email(mail("<p>Hi <i>there</i></p><blockquote>quoted</blockquote>", subtype="html"))
    assert parsed.body == "Hi there"


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "gb18030", "utf-8"])
def test_chinese_charsets(charset):
    raw = mail("提现失败，请帮忙处理", charset=charset, Subject=Header("提现问题", charset).encode(),
               From=f"{Header('王磊', charset).encode()} <wang@example.org>")
    parsed = parse_email(raw)
    assert parsed.body == "提现失败，请帮忙处理"
    assert parsed.subject == "提现问题"
    assert parsed.from_name == "王磊"


def test_gbk_text_labelled_gb2312_still_decodes():
    # "镕" and "堃" are in GBK but not in GB2312; clients still label such mail gb2312.
    assert decode_bytes("朱镕基 王堃".encode("gbk"), "gb2312") == "朱镕基 王堃"
    assert decode_bytes(b"\xff\xfe broken", "no-such-charset").endswith("broken")


def test_rfc2047_utf8_q_encoded_subject():
    parsed = parse_email(mail(Subject="=?UTF-8?Q?=E5=85=85=E5=80=BC?= [#10023]"))
    assert parsed.subject == "充值 [#10023]"
    assert parsed.conversation_number == 10023
    assert parsed.clean_subject == "充值"


@pytest.mark.parametrize("subject,clean", [
    ("Re: Re: Deposit [#10001]", "Deposit"), ("回复：充值问题", "充值问题"), ("Fwd: RE: 转发: x", "x"),
])
def test_clean_subject(subject, clean):
    assert parse_email(mail(Subject=subject)).clean_subject == clean


def test_threading_ids_nearest_first():
    parsed = parse_email(mail(In_Reply_To="<c@x>", References="<a@x> <b@x> <c@x>"))
    assert parsed.thread_ids == ["<c@x>", "<b@x>", "<a@x>"]


def test_mail_without_message_id_gets_a_content_id():
    raw = mail().replace(b"Message-ID: <m1@example.org>\n", b"")
    assert parse_email(raw).message_id.startswith("sha256:")
    assert parse_email(raw).message_id == parse_email(raw).message_id


@pytest.mark.parametrize("headers,reason", [
    ({"Auto_Submitted": "auto-replied"}, "auto-submitted"),
    ({"Auto_Submitted": "auto-generated"}, "auto-submitted"),
    ({"Precedence": "bulk"}, "precedence"),
    ({"Precedence": "auto_reply"}, "precedence"),
    ({"X_Autoreply": "yes"}, "autoreply-header"),
    ({"X_Auto_Response_Suppress": "All"}, "autoreply-header"),
    ({"From": "Mail Delivery System <MAILER-DAEMON@mx.example.org>"}, "bounce"),
    ({"From": "postmaster@example.org"}, "bounce"),
    ({"Return_Path": "<>"}, "bounce"),
    ({"From": "no-reply@othersite.example"}, "no-reply-sender"),
    ({"Subject": "Automatic reply: Deposit"}, "auto-reply-subject"),
    ({"Subject": "Out of Office: back Monday"}, "auto-reply-subject"),
    ({"Subject": "自动回复：充值问题"}, "auto-reply-subject"),
    ({"Auto_Submitted": "no"}, ""),
    ({}, ""),
])
def test_auto_replies_and_bounces_are_recognized(headers, reason):
    assert parse_email(mail(**headers)).auto_reason == reason


def test_delivery_status_report_is_a_bounce():
    raw = (b"From: mx@example.org\r\nTo: support@exchange.test\r\nSubject: failure\r\nMessage-ID: <r@x>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"z\"\r\n"
           b"\r\n--z\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--z\r\nContent-Type: message/delivery-status"
           b"\r\n\r\nStatus: 5.1.1\r\n--z--\r\n")
    assert parse_email(raw).auto_reason == "bounce"
