#!/usr/bin/python3
"""check_events.py - reads back every event on every topic and holds it to the contract.

For each topic of proto-schemas/asyncapi.yaml (and its .dlq twin) it reads all messages
from the beginning with kcat and checks each one:

  * the value parses strictly (unknown fields rejected) as store.events.v1.CloudEvent,
    and the required attributes are set: specversion "1.0", a UUID id, source
    "/services/<name>", type, subject, time, datacontenttype "application/json",
    dataschema, data; sequence, when present, is at least 1;
  * the Kafka key equals the subject (key = aggregate id);
  * dataschema names a message of this topic's context ("store.<context>.v1.<type>"),
    and asyncapi.yaml lists that type, with that dataschema, on this topic;
  * data parses strictly as the proto message named by dataschema, looked up in the
    descriptor pool of the modules protoc generated;
  * no event id appears twice (each event is published once).

Messages on a .dlq topic are failures, except those whose type starts with "Test" (the
integration test of the dead-letter path); such test events are skipped on every topic.
Prints each failure, then "contract: N events checked on M topics"; exits 1 on any
failure, or when no event was checked at all (an end-to-end run must have produced some).
"""

import argparse
import importlib
import json
import os
import re
import subprocess
import sys

import yaml
from google.protobuf import json_format, symbol_database

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
SOURCE_RE = re.compile(r"^/services/[a-z][a-z0-9-]*$")
TEST_PREFIX = "Test"


def import_generated(py_out):
    """Imports every *_pb2.py protoc wrote, which registers its messages in the pool."""
    sys.path.insert(0, py_out)
    for root, _, files in os.walk(py_out):
        for f in sorted(files):
            if f.endswith("_pb2.py"):
                rel = os.path.relpath(os.path.join(root, f[:-3]), py_out)
                importlib.import_module(rel.replace(os.sep, "."))


def message_class(full_name):
    """The generated class of a message by its full name; None when no proto defines it."""
    db = symbol_database.Default()
    try:
        return db.GetSymbol(full_name)
    except KeyError:
        return None


def topics_of(asyncapi_path):
    """{topic: {type: dataschema}} for every channel with a fixed address."""
    with open(asyncapi_path) as f:
        doc = yaml.safe_load(f)
    messages = doc["components"]["messages"]
    topics = {}
    for channel in doc["channels"].values():
        address = channel.get("address")
        if not address or "{" in address:
            continue
        types = {}
        for ref in (channel.get("messages") or {}).values():
            name = ref["$ref"].rsplit("/", 1)[-1]
            types[messages[name]["name"]] = messages[name].get("x-dataschema")
        topics[address] = types
    return topics


def read_topic(brokers, topic):
    """Every message of topic as (partition, offset, key, value); raises on a kcat error."""
    cmd = ["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-J",
           "-X", "fetch.wait.max.ms=10"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("kcat failed on %s: %s" % (topic, proc.stderr.strip()))
    out = []
    # -J prints one JSON object per message, the value JSON-escaped: multi-line values
    # cannot split a record.
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        out.append((rec.get("partition"), rec.get("offset"), rec.get("key"), rec.get("payload")))
    return out


def check_event(topic, key, value, catalogue, envelope_cls):
    """Returns (type, id, [problems]) for one message of a non-DLQ topic."""
    problems = []
    try:
        env = json.loads(value) if value is not None else None
    except ValueError as e:
        return None, None, ["value is not JSON: %s" % e]
    if not isinstance(env, dict):
        return None, None, ["value is not a JSON object"]
    etype = env.get("type") if isinstance(env.get("type"), str) else None
    if etype and etype.startswith(TEST_PREFIX):
        return etype, env.get("id"), None

    ce = envelope_cls()
    try:
        json_format.Parse(value, ce, ignore_unknown_fields=False)
    except json_format.ParseError as e:
        problems.append("envelope: %s" % e)
        return etype, env.get("id"), problems

    if ce.specversion != "1.0":
        problems.append("specversion is %r, not '1.0'" % ce.specversion)
    if not UUID_RE.match(ce.id):
        problems.append("id %r is not a UUID" % ce.id)
    if not SOURCE_RE.match(ce.source):
        problems.append("source %r is not /services/<name>" % ce.source)
    for attr in ("type", "subject", "dataschema"):
        if not getattr(ce, attr):
            problems.append("%s is missing or empty" % attr)
    if not ce.HasField("time"):
        problems.append("time is missing")
    if ce.datacontenttype != "application/json":
        problems.append("datacontenttype is %r, not 'application/json'" % ce.datacontenttype)
    if not ce.HasField("data"):
        problems.append("data is missing")
    if "sequence" in env and ce.sequence < 1:
        problems.append("sequence %d is below 1" % ce.sequence)
    if key != ce.subject:
        problems.append("message key %r differs from subject %r" % (key, ce.subject))

    context = topic.split(".", 1)[0]
    if ce.dataschema and not ce.dataschema.startswith("store.%s." % context):
        problems.append("dataschema %s is not of context %s" % (ce.dataschema, context))
    if ce.dataschema and ce.type and not ce.dataschema.endswith("." + ce.type):
        problems.append("dataschema %s does not name type %s" % (ce.dataschema, ce.type))
    listed = catalogue.get(topic, {})
    if ce.type not in listed:
        problems.append("type %s is not listed for %s in asyncapi.yaml" % (ce.type, topic))
    elif listed[ce.type] != ce.dataschema:
        problems.append("asyncapi.yaml gives %s the dataschema %s, the event says %s"
                        % (ce.type, listed[ce.type], ce.dataschema))

    cls = message_class(ce.dataschema) if ce.dataschema else None
    if ce.dataschema and cls is None:
        problems.append("no proto message %s in proto-schemas/" % ce.dataschema)
    elif cls is not None and isinstance(env.get("data"), dict):
        try:
            json_format.Parse(json.dumps(env["data"]), cls(), ignore_unknown_fields=False)
        except json_format.ParseError as e:
            problems.append("data as %s: %s" % (ce.dataschema, e))
    return ce.type, ce.id, problems


def dlq_type(value):
    """The CloudEvents type inside a dead letter, wherever the dead-letter format keeps it."""
    try:
        doc = json.loads(value)
    except (TypeError, ValueError):
        return None
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("type"), str) and "specversion" in node:
                return node["type"]
            stack.extend(node.values())
        elif isinstance(node, str) and node.lstrip().startswith("{"):
            try:
                stack.append(json.loads(node))
            except ValueError:
                pass
        elif isinstance(node, list):
            stack.extend(node)
    return doc.get("type") if isinstance(doc, dict) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--python-out", required=True, help="protoc --python_out directory")
    ap.add_argument("--asyncapi", required=True)
    args = ap.parse_args()

    import_generated(args.python_out)
    envelope_cls = message_class("store.events.v1.CloudEvent")
    if envelope_cls is None:
        print("contract: store.events.v1.CloudEvent is not among the compiled protos")
        return 1
    catalogue = topics_of(args.asyncapi)

    failures = 0
    checked = 0
    skipped = 0
    topics_with_events = 0
    seen_ids = {}
    dead_letters = []
    for topic in sorted(catalogue):
        for t in (topic, topic + ".dlq"):
            try:
                records = read_topic(args.brokers, t)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print("FAIL %s: %s" % (t, e))
                failures += 1
                continue
            if t.endswith(".dlq"):
                for part, off, key, value in records:
                    etype = dlq_type(value)
                    if etype and etype.startswith(TEST_PREFIX):
                        skipped += 1
                        continue
                    dead_letters.append((t, part, off, etype, value))
                continue
            counted = 0
            for part, off, key, value in records:
                etype, eid, problems = check_event(t, key, value, catalogue, envelope_cls)
                where = "%s[%s]@%s" % (t, part, off)
                if problems is None:
                    skipped += 1
                    continue
                counted += 1
                if eid:
                    if eid in seen_ids:
                        problems.append("event id %s already seen at %s" % (eid, seen_ids[eid]))
                    else:
                        seen_ids[eid] = where
                for p in problems:
                    print("FAIL %s %s: %s" % (where, etype or "?", p))
                if problems:
                    failures += 1
            checked += counted
            if counted:
                topics_with_events += 1
                print("contract: %s: %d events" % (t, counted))

    for t, part, off, etype, value in dead_letters:
        print("FAIL dead letter %s[%s]@%s type %s: %s" % (t, part, off, etype, (value or "")[:300]))
        failures += 1
    if skipped:
        print("contract: %d test events (type %s*) skipped" % (skipped, TEST_PREFIX))
    if checked == 0:
        print("FAIL no events at all: the end-to-end tests should have produced some")
        failures += 1
    print("contract: %d events checked on %d topics, %d failures" % (checked, topics_with_events,
                                                                    failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
