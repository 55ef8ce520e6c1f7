"""Mail: SES v2 `SendEmail` lands in an outbox you can read.

moto validates the request (verified sender, address syntax) and returns the
MessageId; this stand-in then writes the message to `<state>/outbox/` as one
JSON file per message (recipient, subject, text and HTML bodies), so a
notebook, a test or a person with a file browser can read exactly what
racers would have received.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from werkzeug.wrappers import Response

from helpers.emulator.gateway import Call


@dataclass
class Mail:
    message_id: str
    sent_at: float
    sender: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    tags: dict[str, str] = field(default_factory=dict)


class Outbox:
    """A folder of sent mail; thread-safe, survives the runtime (it is on disk)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def add(self, mail: Mail) -> None:
        """Write the message atomically (a temporary name, then a rename): a reader listing the outbox
        while mail is being sent sees whole messages or none, never a half-written file."""
        name = f"{mail.sent_at:.6f}-{mail.message_id}.json"
        with self._lock:
            partial = self.folder / f".{name}.partial"
            partial.write_text(json.dumps(asdict(mail), indent=1))
            os.replace(partial, self.folder / name)

    def list(self, to: str | None = None) -> list[Mail]:
        """All messages, oldest first; only those to one address if `to` is given."""
        mails = [Mail(**json.loads(p.read_text())) for p in sorted(self.folder.glob("*.json"))]
        if to is not None:
            want = to.strip().lower()
            mails = [m for m in mails if want in [a.lower() for a in m.to + m.cc + m.bcc]]
        return mails

    def read(self, message_id: str) -> Mail:
        for p in self.folder.glob(f"*-{message_id}.json"):
            return Mail(**json.loads(p.read_text()))
        raise KeyError(f"no message {message_id} in {self.folder}")

    def clear(self) -> int:
        n = 0
        with self._lock:
            for p in self.folder.glob("*.json"):
                p.unlink()
                n += 1
        return n

    def __len__(self) -> int:
        return len(list(self.folder.glob("*.json")))


class MailStandIn:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def routes(self) -> dict:
        return {("sesv2", "SendEmail"): self.send_email_call, ("sesv2", "GetAccount"): self.get_account_call}

    def get_account_call(self, call: Call, forward) -> Response:
        """moto has no GetAccount: a new account's answer, in the SES sandbox (200 mails a day, one a
        second, verified recipients only) until production access is granted."""
        body = {"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": False, "SendingEnabled": True,
                "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0,
                              "SentLast24Hours": float(len(self.outbox))}}
        return Response(json.dumps(body), status=200, mimetype="application/json")

    def send_email_call(self, call: Call, forward) -> Response:
        """moto validates and answers; a sent message then lands in the outbox."""
        response = forward(call)
        if response.status_code != 200:
            return response
        req = call.json()
        dest = req.get("Destination") or {}
        content = req.get("Content") or {}
        simple = content.get("Simple") or {}
        body = simple.get("Body") or {}
        subject = (simple.get("Subject") or {}).get("Data", "")
        text = (body.get("Text") or {}).get("Data", "")
        html = (body.get("Html") or {}).get("Data", "")
        if "Raw" in content:
            import base64
            import email

            raw = email.message_from_bytes(base64.b64decode(content["Raw"]["Data"]))
            subject = raw.get("Subject", "")
            text = raw.get_payload(decode=False) if not raw.is_multipart() else ""
        if "Template" in content:
            subject = f"[template {content['Template'].get('TemplateName', '')}]"
            text = content["Template"].get("TemplateData", "")
        mail = Mail(
            message_id=json.loads(response.get_data()).get("MessageId", ""),
            sent_at=time.time(),
            sender=req.get("FromEmailAddress", ""),
            to=list(dest.get("ToAddresses") or []),
            cc=list(dest.get("CcAddresses") or []),
            bcc=list(dest.get("BccAddresses") or []),
            subject=subject, text=text, html=html,
            tags={t.get("Name", ""): t.get("Value", "") for t in req.get("EmailTags") or []},
        )
        self.outbox.add(mail)
        return response
