"""An SMTP sink for aula's tests, on 127.0.0.1 (Debian's python3-aiosmtpd).

Run with /usr/bin/python3 (Debian's interpreter, which has aiosmtpd).
Prints JSON lines on stdout: first {"event": "ready", "port": N}, then one
{"event": "message", ...} per message taken, parsed by Python's own e-mail
package (an implementation independent of aula's composer), and
{"event": "refused", ...} for each refusal it made on purpose.

Options:
  --fail-first N       answer the first N DATA commands with --fail-code
  --fail-code TEXT     default "451 4.3.0 Try again later"
  --refuse-rcpt TEXT   answer every RCPT TO with TEXT, e.g. "550 5.1.1 No such user"
  --tls-cert F --tls-key K   offer STARTTLS with this certificate
  --require-starttls   refuse mail before STARTTLS
  --implicit-tls       TLS from the first byte (smtps://) with --tls-cert/--tls-key
  --auth USER:PASS     require SMTP AUTH (PLAIN/LOGIN) with these credentials
"""
import argparse
import asyncio
import base64
import email
import email.policy
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def describe(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        entry = {
            "content_type": part.get_content_type(),
            "params": {k: v for k, v in part.get_params() or []},
            "filename": part.get_filename(),
            "disposition": part.get_content_disposition(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "data_base64": base64.b64encode(payload).decode(),
        }
        if part.get_content_maintype() == "text":
            entry["text"] = payload.decode(part.get_content_charset() or "utf-8")
        parts.append(entry)
    return {
        "subject": str(msg["Subject"]),
        "from": str(msg["From"]),
        "to": str(msg["To"]),
        "date": str(msg["Date"]),
        "message_id": str(msg["Message-ID"]),
        "content_type": msg.get_content_type(),
        "defects": [type(d).__name__ for d in msg.defects],
        "headers": [[k, str(v)] for k, v in msg.items()],
        "parts": parts,
    }


class Handler:
    def __init__(self, args):
        self.args = args
        self.data_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.refuse_rcpt:
            emit({"event": "refused", "at": "RCPT", "reply": self.args.refuse_rcpt})
            return self.args.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.data_count <= self.args.fail_first:
            emit({"event": "refused", "at": "DATA", "reply": self.args.fail_code})
            return self.args.fail_code
        raw = envelope.original_content or envelope.content
        info = describe(raw)
        info.update({
            "event": "message",
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # session.ssl is set by STARTTLS only; smtps shows on the transport.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.authenticated,
            "raw": raw.decode("utf-8", "replace"),
        })
        emit(info)
        return "250 2.0.0 Message accepted for delivery"


def authenticator_for(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: aiosmtpd then answers 535 itself (its default,
        # handled=True, would answer nothing and leave the client waiting).
        return AuthResult(success=ok, handled=False)
    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-code", default="451 4.3.0 Try again later")
    p.add_argument("--refuse-rcpt", default=None)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth")
    args = p.parse_args()

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs.update(authenticator=authenticator_for(user, password), auth_required=True,
                      auth_require_tls=False)
    handler = Handler(args)
    loop = asyncio.get_running_loop()
    implicit = tls if args.implicit_tls else None
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", tls_context=None if implicit else tls,
                     require_starttls=args.require_starttls, **kwargs),
        host="127.0.0.1", port=0, ssl=implicit)
    emit({"event": "ready", "port": server.sockets[0].getsockname()[1]})
    # Stops when the test closes our stdin or kills us.
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
