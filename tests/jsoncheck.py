#!/usr/bin/env python3
"""Validate JSON Lines against man/hvoinspect.schema.json.
Usage: jsoncheck.py SCHEMA FILE.jsonl [EXPECTED_COMMANDS]"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    # A pyenv or venv python may lack it; Debian's python3-jsonschema is there.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("jsonschema is not installed (Debian: python3-jsonschema)")

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
commands = []
for number, line in enumerate(open(sys.argv[2]), 1):
    obj = json.loads(line)
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
    for e in errors:
        print("line %d (%s): %s at %s" % (number, obj.get("command"), e.message,
                                          "/".join(map(str, e.path))))
    if errors:
        sys.exit(1)
    commands.append(obj["command"])
if len(sys.argv) > 3 and commands != sys.argv[3].split(","):
    sys.exit("commands %s, expected %s" % (commands, sys.argv[3]))
print("%d objects valid" % len(commands))
