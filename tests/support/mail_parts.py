"""Reads one received message with Python's email package (not ours) and prints its headers,
text parts and attachments as JSON; attachments are written into the folder given."""
import email
import email.policy
import json
import os
import sys

path, out = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
parts = {"text": "", "html": "", "attachments": []}
for part in msg.walk():
    if part.is_multipart():
        continue
    if part.get_content_disposition() == "attachment":
        name = part.get_filename()
        data = part.get_payload(decode=True)
        dest = os.path.join(out, os.path.basename(name))
        with open(dest, "wb") as f:
            f.write(data)
        parts["attachments"].append(
            {"filename": name, "content_type": part.get_content_type(), "path": dest, "size": len(data)}
        )
    elif part.get_content_type() == "text/plain":
        parts["text"] += part.get_content()
    elif part.get_content_type() == "text/html":
        parts["html"] += part.get_content()
print(json.dumps({
    "subject": str(msg["subject"] or ""),
    "from": str(msg["from"] or ""),
    "to": str(msg["to"] or ""),
    "reply_to": str(msg["reply-to"] or ""),
    "message_id": str(msg["message-id"] or ""),
    "list_unsubscribe": str(msg["list-unsubscribe"] or ""),
    "list_unsubscribe_post": str(msg["list-unsubscribe-post"] or ""),
    "content_type": msg.get_content_type(),
    **parts,
}))
