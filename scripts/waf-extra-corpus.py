#!/usr/bin/env python3
"""Builds tests/it/corpus/extra-patt.jsonl, an attack corpus the WAF was not written from:
payload lists of PayloadsAllTheThings (github.com/swisskyrepo/PayloadsAllTheThings, MIT
licence, (c) Swissky and contributors), each payload sent as a query value of an ordinary
(non-free-text) field, in the JSON-lines format `plaudit waf test` replays.

Usage: scripts/waf-extra-corpus.py PATT_CHECKOUT
"""
import json, os, subprocess, sys, urllib.parse

LISTS = {
    "942": ["SQL Injection/Intruder/Auth_Bypass.txt", "SQL Injection/Intruder/Generic_UnionSelect.txt",
            "SQL Injection/Intruder/Generic_TimeBased.txt", "SQL Injection/Intruder/Generic_ErrorBased.txt",
            "SQL Injection/Intruder/Generic_Fuzz.txt", "SQL Injection/Intruder/SQLi_Polyglots.txt"],
    "941": ["XSS Injection/Intruders/RSNAKE_XSS.txt", "XSS Injection/Intruders/XSS_Polyglots.txt",
            "XSS Injection/Intruders/BRUTELOGIC-XSS-STRINGS.txt", "XSS Injection/Intruders/JHADDIX_XSS.txt"],
    "932": ["Command Injection/Intruder/command-execution-unix.txt",
            "Command Injection/Intruder/command_exec.txt"],
    "930": ["Directory Traversal/Intruder/directory_traversal.txt",
            "File Inclusion/Intruders/JHADDIX_LFI.txt"],
}
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "it", "corpus", "extra-patt.jsonl")


def main():
    checkout = sys.argv[1]
    seen, rows = set(), []
    for family, files in LISTS.items():
        for path in files:
            text = subprocess.run(["git", "-C", checkout, "show", f"HEAD:{path}"], check=True,
                                  capture_output=True).stdout.decode("utf-8", "replace")
            for line in text.split("\n"):
                payload = line.rstrip("\r")
                # Too short to be an attack on its own (`'`, `;`), or a repeat.
                if len(payload.strip()) < 4 or (family, payload) in seen:
                    continue
                seen.add((family, payload))
                rows.append({"family": family, "source": path, "expect": "block", "method": "GET",
                             "uri": "/get?value=" + urllib.parse.quote(payload, safe=""),
                             "headers": {"Host": "localhost", "User-Agent": "Mozilla/5.0"}})
    with open(OUT, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} payloads")


main()
