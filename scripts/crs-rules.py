#!/usr/bin/env python3
"""Extracts OWASP CRS's paranoia-level-1 request rules for the families Plaudit's WAF covers
(913 scanners, 930 LFI, 932 RCE, 941 XSS, 942 SQLi) into src/edge/waf/crs/pl1.jsonl, with the
word lists they read (*.data). Only rule sources are read, never CRS's regression tests.

Usage: scripts/crs-rules.py CRS_CHECKOUT   (a checkout of github.com/coreruleset/coreruleset)
CRS is Apache-2.0; src/edge/waf/crs/NOTICE says where the data came from.
"""
import json, os, re, subprocess, sys

FAMILIES = ["913-SCANNER-DETECTION", "930-APPLICATION-ATTACK-LFI", "932-APPLICATION-ATTACK-RCE",
            "941-APPLICATION-ATTACK-XSS", "942-APPLICATION-ATTACK-SQLI"]
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "edge", "waf", "crs")


def rules(text):
    text = text.replace("\\\n", "")
    level, chained, out = 0, False, []
    for line in (l.strip() for l in text.split("\n")):
        m = re.match(r'SecRule TX:DETECTION_PARANOIA_LEVEL "@lt (\d)"', line)
        if m:
            level = int(m.group(1))
            continue
        if not line.startswith("SecRule "):
            continue
        m = re.match(r'SecRule\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*(?:"(.*)")?\s*$', line)
        if not m:
            sys.exit(f"cannot read: {line[:120]}")
        variables, operator, actions = m.group(1), m.group(2), m.group(3) or ""
        negate = operator.startswith("!")
        operator = operator.lstrip("!")
        om = re.match(r"@(\w+)\s*(.*)$", operator, re.S)
        op, arg = (om.group(1), om.group(2)) if om else ("rx", operator)
        # ModSecurity unescapes \" inside the quoted operator.
        arg = arg.replace('\\"', '"')
        rule = {"targets": variables.split("|"), "op": op, "arg": arg, "negate": negate,
                "t": [t for t in re.findall(r"t:(\w+)", actions) if t != "none"]}
        if chained:
            out[-1].setdefault("chain", []).append(rule)
        else:
            rule["id"] = re.search(r"id:(\d+)", actions).group(1)
            rule["level"] = level
            out.append(rule)
        chained = bool(re.search(r"\bchain\b", actions))
    return [r for r in out if r["level"] == 1]


def main():
    checkout = sys.argv[1]
    git = lambda path: subprocess.run(["git", "-C", checkout, "show", f"HEAD:{path}"],
                                      check=True, capture_output=True, text=True).stdout
    found, files = [], set()
    for family in FAMILIES:
        for r in rules(git(f"rules/REQUEST-{family}.conf")):
            del r["level"]
            found.append(r)
            if r["op"] == "pmFromFile":
                files.add(r["arg"])
    with open(os.path.join(OUT, "pl1.jsonl"), "w") as f:
        for r in found:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for name in sorted(files):
        words = [l.strip() for l in git(f"rules/{name}").split("\n")]
        with open(os.path.join(OUT, name), "w") as f:
            f.write("\n".join(w for w in words if w and not w.startswith("#")) + "\n")
    commit = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    print(f"{len(found)} rules and {len(files)} word lists from CRS {commit}")


main()
