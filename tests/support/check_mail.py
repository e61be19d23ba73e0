"""Checks every .eml in a folder the way a receiving mail system would, with tools Plaudit did
not write: Python's email parser (MIME structure and defects) and dkimpy (DKIM signature).

Usage: python3 check_mail.py MAILDIR PUBLIC_KEY_PEM SELECTOR DOMAIN
Prints one JSON object: {"count": n, "problems": ["file: what", ...], "recipients": [...],
"message_ids": [...], "headers": {file: [names...]}}.
"""
import base64
import email
import email.policy
import json
import os
import sys

import dkim


def main():
    maildir, pubkey_file, selector, domain = sys.argv[1:5]
    pem = open(pubkey_file).read()
    der = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    record = ("v=DKIM1; k=rsa; p=" + der).encode()
    wanted = ("%s._domainkey.%s." % (selector, domain)).encode()

    def dns(name, timeout=5):
        return record if name.rstrip(b".") + b"." == wanted else None

    out = {"count": 0, "problems": [], "recipients": [], "message_ids": [], "headers": {}}
    for name in sorted(os.listdir(maildir)):
        if not name.endswith(".eml"):
            continue
        raw = open(os.path.join(maildir, name), "rb").read()
        out["count"] += 1
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if msg.defects:
            out["problems"].append("%s: MIME defects %r" % (name, msg.defects))
        for part in msg.walk():
            if part.defects:
                out["problems"].append("%s: part defects %r" % (name, part.defects))
        lu = msg.get_all("List-Unsubscribe") or []
        lup = msg.get_all("List-Unsubscribe-Post") or []
        if len(lu) != 1 or "<https://" not in str(lu[0]) and "<http://" not in str(lu[0]):
            out["problems"].append("%s: List-Unsubscribe %r" % (name, lu))
        if [str(v) for v in lup] != ["List-Unsubscribe=One-Click"]:
            out["problems"].append("%s: List-Unsubscribe-Post %r" % (name, lup))
        try:
            ok = dkim.verify(raw, dnsfunc=dns)
        except Exception as e:  # a malformed signature is a failure, not a crash
            ok = False
            out["problems"].append("%s: dkim error %s" % (name, e))
        if not ok:
            out["problems"].append("%s: DKIM signature not verified" % name)
        sig = str(msg.get("DKIM-Signature", ""))
        signed = ""
        for tag in sig.replace("\r\n", "").replace("\n", "").split(";"):
            tag = tag.strip()
            if tag.startswith("h="):
                signed = tag[2:].replace(" ", "").lower()
        for h in ["from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"]:
            if h not in signed.split(":"):
                out["problems"].append("%s: %s not signed (h=%s)" % (name, h, signed))
        out["recipients"].append(str(msg.get("To", "")))
        out["message_ids"].append(str(msg.get("Message-ID", "")).strip())
        out["headers"][name] = [k for k in msg.keys()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
