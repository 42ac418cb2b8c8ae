#!/usr/bin/env python3
"""ops.py - relayhint as a monitoring and automation tool sees it

What an admin running many relays relies on:
  * every --json output validates against its schema in conf/schema/;
  * every option of every command is in that command's --help and in
    relayhint(1) (the getopt tables in cli/*.c are the truth);
  * exit codes a cron job or a monitoring system can act on;
  * LANG/LC_MESSAGES/LC_ALL choose the language, POSIX forms accepted;
  * Prometheus metrics that promtool accepts, without free text labels;
  * the probe follows the Monitoring Plugins output rules.
Output: PASS:/FAIL:/SKIP: lines for tests/run.sh.  Checks are explicit
(no assert: python -O would drop them).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
RH = "./build/relayhint"
D = "tests/data"
ENV = dict(os.environ, LC_ALL="", LC_MESSAGES="", LANG="C")
tmp = tempfile.mkdtemp()
failed = 0


def ok(name, why=None):
    print("PASS: " + name)


def bad(name, why):
    global failed
    failed += 1
    print("FAIL: %s: %s" % (name, str(why)[:600].replace("\n", " | ")))


def run(args, env=None, stdin=None):
    p = subprocess.run([RH] + args, capture_output=True, env=env or ENV,
                       input=stdin, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# --- JSON schemas ------------------------------------------------------------
try:
    import jsonschema
except ImportError:
    jsonschema = None


def validate(name, schema_file, docs):
    if jsonschema is None:
        bad(name, "python3-jsonschema missing (tools/deps.sh test installs it)")
        return
    schema = json.load(open("conf/schema/" + schema_file))
    jsonschema.Draft202012Validator.check_schema(schema)
    store = {}
    for sf in glob.glob("conf/schema/*.schema.json"):
        o = json.load(open(sf))
        store[o["$id"]] = o
    v = jsonschema.Draft202012Validator(
        schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))
    errs = []
    for where, doc in docs:
        for e in v.iter_errors(doc):
            errs.append("%s: %s at %s" % (where, e.message, list(e.path)))
    if not docs:
        bad(name, "no output to validate")
    elif errs:
        bad(name, "; ".join(errs[:3]))
    else:
        ok("%s (%d objects)" % (name, len(docs)))


def json_lines(where, text):
    out = []
    for i, line in enumerate(text.splitlines()):
        try:
            out.append(("%s:%d" % (where, i + 1), json.loads(line)))
        except ValueError as e:
            bad("JSON Lines: " + where, "line %d: %s" % (i + 1, e))
    return out


docs = []
for line in open(D + "/replies/m365.tsv", encoding="utf-8"):
    if line.startswith("#") or "\t" not in line:
        continue
    reply = line.rstrip("\n").split("\t", 1)[1].replace("\\n", "\n")
    rc, out, _ = run(["explain", "--json", reply])
    docs += json_lines("explain " + reply[:30], out)
rc, out, _ = run(["explain", "--json", "250 2.0.0 OK queued as 1234"])
docs += json_lines("explain (no cause)", out)
validate("schema: explain --json", "verdict.schema.json", docs)

docs = []
for f in sorted(glob.glob(D + "/postfix/*.eml") + glob.glob(D + "/exim/*.eml")):
    rc, out, _ = run(["bounce", "--json", f])
    docs += json_lines(f, out)
validate("schema: bounce --json", "verdict.schema.json", docs)

logs = sorted(glob.glob(D + "/logs/*.log"))
rc, out, _ = run(["scan", "--json"] + logs)
scan_docs = json_lines("scan", out)
validate("schema: scan --json (RFC 3339 times with year and zone)", "scan.schema.json", scan_docs)

docs = []
for f in sorted(glob.glob(D + "/postfix/postqueue/*.json")):
    rc, out, _ = run(["queue", "--json", "--now", "1795368000", "--file", f])
    docs += json_lines(f, out)
validate("schema: queue --json", "queue.schema.json", docs)

rc, out, _ = run(["doctor", "--json", "--config-dir", tmp + "/none"])
try:
    docs = [("doctor", json.loads(out))]
except ValueError as e:
    docs = []
    bad("doctor --json is JSON", e)
validate("schema: doctor --json", "doctor.schema.json", docs)

pw = os.path.join(tmp, "pw0")
open(pw, "w").write("x\n")
os.chmod(pw, 0o600)
rc, out, _ = run(["probe", "--json", "--server", "127.0.0.1:1", "--user", "u@example.com",
                  "--password-file", pw, "--timeout", "3"])
try:
    docs = [("probe", json.loads(out))]
    if docs[0][1].get("exit") != rc:
        bad("probe --json: exit member is the exit code", "%r vs %d" % (docs[0][1].get("exit"), rc))
except ValueError as e:
    docs = []
    bad("probe --json is one JSON object", "%s: %r" % (e, out[:200]))
validate("schema: probe --json", "probe.schema.json", docs)

# the same fact has the same member name in every output
shared = {"schema", "provider", "cause", "area", "smtp_code", "enhanced_code", "lang", "summary", "steps"}
for sf in ("verdict", "scan", "queue"):
    props = set(json.load(open("conf/schema/%s.schema.json" % sf))["properties"])
    if not shared <= props:
        bad("schema: %s has the shared members" % sf, shared - props)
    else:
        ok("schema: %s has the shared members" % sf)

# --- help and man page -------------------------------------------------------
man = open("man/relayhint.1", encoding="utf-8").read()
synopsis = man[man.index(".Sh SYNOPSIS"):man.index(".Sh DESCRIPTION")]
blocks = {}
for blk in synopsis.split("\n.Nm")[1:]:
    m = re.search(r"^\.Cm (\S+)", blk, re.M)
    if m:
        blocks[m.group(1)] = blk
src = "".join(open(f, encoding="utf-8").read() for f in sorted(glob.glob("cli/*.c")))
for m in re.finditer(r"\ncmd_([a-z_]+)\(struct cli \*c, int argc, char \*\*argv\)\n\{\n\tstatic const struct option opts\[\] = \{\n(.*?)\n\t\};", src, re.S):
    cmd = m.group(1).replace("_", "-")
    longs = [o for o in re.findall(r'\{ "([a-z0-9-]+)",', m.group(2)) if o not in ("help", "version")]
    rc, out, err = run([cmd, "--help"])
    missing_help = [o for o in longs if "--" + o not in out]
    blk = blocks.get(cmd, "")
    missing_man = [o for o in longs if not re.search(r"(Fl |\| )-%s\b" % re.escape(o), blk)]
    if rc != 0 or not out.startswith("usage: relayhint " + cmd):
        bad("%s --help prints its own usage" % cmd, "rc=%d %s" % (rc, out[:80]))
    elif missing_help:
        bad("%s --help lists every option" % cmd, missing_help)
    else:
        ok("%s --help lists its %d options" % (cmd, len(longs)))
    if not blk:
        bad("relayhint(1) has a synopsis for %s" % cmd, "no .Cm %s block" % cmd)
    elif missing_man:
        bad("relayhint(1) documents every %s option" % cmd, missing_man)
    else:
        ok("relayhint(1) documents every %s option" % cmd)
for cmd in ("check", "causes"):
    rc, out, _ = run([cmd, "--help"])
    if rc == 0 and out.startswith("usage: relayhint") and "configuration OK" not in out and "m365." not in out:
        ok("%s --help prints help and does not run" % cmd)
    else:
        bad("%s --help prints help and does not run" % cmd, out[:100])

# bash completion offers every option of a command and the languages
STUB = r'''
_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${words[cword]}; prev=${words[cword-1]}; }
_filedir() { :; }
compopt() { :; }
source conf/bash-completion
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _relayhint; echo "${COMPREPLY[*]}"; }
'''
for words, want in ((["relayhint", "scan", "--me"], ["--metrics"]),
                    (["relayhint", "probe", "--"], ["--hostname", "--metrics"]),
                    (["relayhint", "mi"], ["migrate"]),
                    (["relayhint", "explain", "--language", ""], ["zh-TW", "vi", "ar", "ro"]),
                    (["relayhint", "explain", "m365.auth.smtp"], ["m365.auth.smtp_auth_disabled_tenant"])):
    p = subprocess.run(["bash", "-c", STUB + "comp " + " ".join("'%s'" % w for w in words)],
                       capture_output=True, text=True, env=dict(ENV, PATH=os.path.abspath("build") + ":" + os.environ["PATH"]))
    got = p.stdout.split()
    missing = [w for w in want if w not in got]
    (ok if not missing else bad)("bash completion: %s -> %s" % (" ".join(words[1:]), " ".join(want)),
                                 "missing %s in %r %s" % (missing, got[:20], p.stderr[:200]))

REPLY0 = "535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]"

# --- exit codes and input errors ---------------------------------------------
clean = os.path.join(tmp, "clean.log")
open(clean, "w").write("Dec  7 10:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@b.example>, "
                       "relay=smtp.office365.com[52.96.1.1]:587, delay=1, status=sent (250 2.0.0 OK)\n")
rc, out, _ = run(["scan", clean])
(ok if rc == 0 else bad)("scan: exit 0 when no Microsoft 365 failure", "" if rc == 0 else "rc=%d" % rc)
rc, out, _ = run(["scan"] + logs)
(ok if rc == 1 else bad)("scan: exit 1 when failures are found", "" if rc == 1 else "rc=%d" % rc)
# (bounce DIR reads the directory's messages: see batch.py)
for cmd in ("scan",):
    rc, out, err = run([cmd, tmp])
    if rc == 2 and "is a directory" in err and out == "":
        ok("%s DIR: 'is a directory', exit 2" % cmd)
    else:
        bad("%s DIR: 'is a directory', exit 2" % cmd, "rc=%d err=%s out=%s" % (rc, err, out[:80]))
rc, out, err = run(["scan", tmp + "/missing.log"])
if rc == 2 and out == "" and "missing.log" in err:
    ok("scan missing.log: only the error, exit 2")
else:
    bad("scan missing.log: only the error, exit 2", "rc=%d out=%r" % (rc, out[:80]))

# a relay-local failure is not blamed on Microsoft 365
rc, out, _ = run(["explain", "Dec  7 10:00:00 mx postfix/smtp[123]: 1A2B3C4D5E: to=<a@b.example>, "
                  "relay=smtp.office365.com[52.96.1.1]:587, delay=1, status=deferred (SASL authentication "
                  "failed; cannot authenticate to server smtp.office365.com[52.96.1.1]: no mechanism available)"])
prov = [l for l in out.splitlines() if l.startswith("Provider:")]
if "Cause:        relay.sasl." in out and prov and "Microsoft" not in prov[0]:
    ok("explain: a relay-local cause does not say 'Provider: Microsoft 365'")
else:
    bad("explain: a relay-local cause does not say 'Provider: Microsoft 365'", out[:200])

# CJK headings and labels end in a full-width colon, in the terminal
# report and in the rewritten bounce
for lang in ("zh-TW", "zh-CN"):
    rc, out, _ = run(["explain", "--language", lang, REPLY0])
    rc2, out2, _ = run(["bounce", "--rewrite", "--language", lang, D + "/postfix/hard-535-5.7.3.eml"])
    import quopri
    body = quopri.decodestring(out2.encode()).decode("utf-8", "replace")
    heads = [l for l in (out + "\n" + body).splitlines()
             if re.search(r"[\u4e00-\u9fff]:\s*$", l) or re.search(r"^\s*[\u4e00-\u9fff ]+: ", l)]
    if "\uff1a" in out and "\uff1a" in body and not heads:
        ok("%s: headings and labels use the full-width colon" % lang)
    else:
        bad("%s: headings and labels use the full-width colon" % lang, heads[:3])

# commands in a rewritten bounce are never cut across lines: an admin
# pastes them whole (every sample cause, every language)
CMD = re.compile(r"(?<![\w-])(?:[A-Z][a-z]+-[A-Z][A-Za-z0-9]+|postconf|postmap) "
                 r"[^;()\u0080-\uffff]*?(?=[;()]|[,.](?: |$)|[^\x00-\x7f]|$)", re.M)
cut, seen = [], 0
for lang in ("en", "zh-TW", "zh-CN", "vi", "ar", "ro"):
    for f in sorted(glob.glob(D + "/postfix/hard-*.eml")):
        import email as _email
        raw = subprocess.run([RH, "bounce", "--rewrite", "--language", lang, f],
                             capture_output=True, env=ENV).stdout
        m = _email.message_from_bytes(raw)
        if not m.is_multipart():
            continue
        text = m.get_payload()[0].get_payload(decode=True).decode("utf-8", "replace")
        lines = text.splitlines()
        # a step is its "  N. " line and the deeper-indented lines after it
        blocks = []
        for l in lines:
            if blocks and l.startswith("     ") and not re.match(r"^\s*\d+\. ", l):
                blocks[-1] += " " + l.strip()
            else:
                blocks.append(l.strip())
        for c in CMD.findall("\n".join(blocks)):
            c = c.rstrip()
            if len(c.split()) < 2:
                continue
            seen += 1
            if not any(c in l for l in lines):
                cut.append("%s %s: %s" % (lang, os.path.basename(f), c[:60]))
if seen > 20 and not cut:
    ok("rewrite: %d commands in 6 languages, none cut across lines" % seen)
else:
    bad("rewrite: commands never cut across lines", "%d seen; %s" % (seen, cut[:3]))

# --- language from the locale --------------------------------------------------
REPLY = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
cases = [
    ({"LANG": "vi_VN.UTF-8"}, [], "vi"),
    ({"LANG": "ro_RO.UTF-8", "LC_MESSAGES": "ar_EG.UTF-8"}, [], "ar"),
    ({"LANG": "vi_VN.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, [], "zh-TW"),
    ({"LANG": "zh_CN.GB18030"}, [], "zh-CN"),
    ({"LANG": "C"}, [], "en"),
    ({"LANG": "de_DE.UTF-8"}, [], "en"),
    ({"LANG": "vi_VN.UTF-8"}, ["--language", "ro"], "ro"),
    ({}, ["--language", "zh_TW"], "zh-TW"),
    ({}, ["--language", "zh_TW.UTF-8"], "zh-TW"),
    ({}, ["--language", "zh-Hant"], "zh-TW"),
    ({}, ["--language", "zh-Hans-CN"], "zh-CN"),
    ({}, ["--language", "pt_BR"], "en"),
]
for env, args, want in cases:
    e = dict(ENV)
    e.update({"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""})
    e.update(env)
    rc, out, err = run(["explain", "--json"] + args + [REPLY], env=e)
    try:
        got = json.loads(out)["lang"]
    except ValueError:
        got = None
    name = "language: %s %s -> %s" % (" ".join("%s=%s" % kv for kv in env.items()), " ".join(args), want)
    (ok if got == want else bad)(name, "" if got == want else "got %r (%s)" % (got, err.strip()))

# --- relayhint.conf: precedence option > environment > file > default ---------
conf = os.path.join(tmp, "relayhint.conf")
with open(conf, "w") as f:
    f.write("# as the milter reads it\nlanguage = zh-TW\nmax_message_size = 1k\n"
            "rules_file = %s/conf/relayhint.rules\n" % os.getcwd())
os.chmod(conf, 0o644)
noloc = dict(ENV, LC_ALL="", LC_MESSAGES="", LANG="")
for env, args, want in (({}, [], "zh-TW"),                       # the file over the default
                        ({"LANG": "vi_VN.UTF-8"}, [], "vi"),     # the environment over the file
                        ({"LANG": "vi_VN.UTF-8"}, ["--language", "ro"], "ro")):  # the option over both
    e = dict(noloc, **env)
    rc, out, err = run(["-c", conf, "explain", "--json"] + args + [REPLY], env=e)
    got = json.loads(out)["lang"] if rc == 0 else None
    name = "settings: -c FILE %s %s -> language %s" % (" ".join("%s=%s" % kv for kv in env.items()), " ".join(args), want)
    (ok if got == want else bad)(name, "" if got == want else "got %r rc=%d (%s)" % (got, rc, err.strip()))
rc, out, err = run(["-c", conf, "bounce", "--rewrite", D + "/postfix/hard-535-5.7.3.eml"], env=noloc)
msg = open(D + "/postfix/hard-535-5.7.3.eml", encoding="utf-8", errors="replace").read()
(ok if rc == 1 and "larger than" not in out and out == msg else bad)(
    "settings: max_message_size from relayhint.conf reaches bounce --rewrite", "rc=%d %s" % (rc, err.strip()))
rc, out, err = run(["-c", conf, "bounce", "--rewrite", "--max-message-size", "4m", D + "/postfix/hard-535-5.7.3.eml"], env=noloc)
(ok if rc == 0 and "X-Relayhint-Cause:" in out else bad)(
    "settings: --max-message-size over the file's max_message_size", "rc=%d %s" % (rc, err.strip()))
rc, out, err = run(["-c", os.path.join(tmp, "missing.conf"), "causes"])
(ok if rc == 78 and "missing.conf: No such file or directory" in err else bad)(
    "settings: an explicit -c FILE that is missing is an error", "rc=%d %s" % (rc, err.strip()))
with open(os.path.join(tmp, "typo.conf"), "w") as f:
    f.write("language = en\nrule_file = /x\n")
rc, out, err = run(["--config", os.path.join(tmp, "typo.conf"), "causes"])
(ok if rc == 78 and "typo.conf:2: unknown setting 'rule_file'; did you mean 'rules_file'?" in err else bad)(
    "settings: an unknown name in relayhint.conf says file:line and the near name", "rc=%d %s" % (rc, err.strip()))
rc, out, err = run(["-c", "none", "--rules", "conf/relayhint.rules", "explain", "--lang", "vi", "--json", REPLY])
(ok if rc == 0 and json.loads(out)["lang"] == "vi" and "'--rules' is deprecated; use '--rules-file'" in err
 and "'--lang' is deprecated; use '--language'" in err else bad)(
    "settings: old option spellings work, with a warning", "rc=%d %s" % (rc, err.strip()))
rc, out, err = run(["-c", "none", "explain", "--lang=vi", "--json", REPLY])
(ok if rc == 0 and json.loads(out)["lang"] == "vi" else bad)("settings: --lang=TAG is --language=TAG", err.strip())
rc, out, err = run(["-c", "none", "scan", "--follow", "--alert-spool", tmp, "--alert-quiet", "soon"], stdin=b"")
(ok if rc == 2 and "--alert-quiet: not a time" in err else bad)(
    "settings: a command line value is checked as relayhint.conf's", "rc=%d %s" % (rc, err.strip()))

# --- Prometheus metrics -------------------------------------------------------
pt = subprocess.run(["sh", "tools/promtool.sh"], capture_output=True, text=True)
promtool = pt.stdout.strip() if pt.returncode == 0 else None
ci = os.environ.get("CI") == "true" and os.geteuid() == 0
metric_files = {}
mpath = os.path.join(tmp, "scan.prom")
rc, out, err = run(["scan", "--metrics", mpath] + logs)
metric_files["scan"] = mpath
qin = os.path.join(tmp, "q.json")
with open(qin, "w") as q:
    for f in sorted(glob.glob(D + "/postfix/postqueue/*.json")):
        q.write(open(f).read())
mpath = os.path.join(tmp, "queue.prom")
run(["queue", "--now", "1795368000", "--file", qin, "--metrics", mpath])
metric_files["queue"] = mpath
mpath = os.path.join(tmp, "doctor.prom")
run(["doctor", "--config-dir", tmp + "/none", "--metrics", mpath])
metric_files["doctor"] = mpath
mpath = os.path.join(tmp, "probe.prom")
secret = os.path.join(tmp, "pw")
open(secret, "w").write("Sekr1t-pw\n")
os.chmod(secret, 0o600)
rc, pout, perr = run(["probe", "--server", "127.0.0.1:1", "--user", "probe@example.com",
                      "--password-file", secret, "--timeout", "5", "--metrics", mpath])
metric_files["probe"] = mpath
for what, f in metric_files.items():
    if not os.path.exists(f):
        bad("metrics: %s --metrics writes the file" % what, "missing")
        continue
    text = open(f).read()
    leftovers = [n for n in os.listdir(tmp) if ".tmp." in n]
    if leftovers:
        bad("metrics: %s written atomically" % what, leftovers)
    # bounded labels: no recipient, reply text, subject or secret
    labels = re.findall(r'="([^"]*)"', text)
    free = [l for l in labels if "@" in l or " " in l or "Sekr1t" in l]
    (ok if not free else bad)("metrics: %s has no free-text label values" % what, free[:3])
    names = set(re.findall(r"^(relayhint_[a-z_]+)", text, re.M))
    badnames = [n for n in names if n.endswith("_total") and "# TYPE %s counter" % n not in text]
    (ok if not badnames else bad)("metrics: %s counters end in _total" % what, badnames)
    if promtool is None:
        if ci:
            bad("metrics: promtool check metrics (%s)" % what, pt.stderr.strip())
        else:
            print("SKIP: metrics: promtool check metrics (%s): %s" % (what, pt.stderr.strip()))
        continue
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    if p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip():
        ok("metrics: promtool check metrics accepts %s (%d series)" % (what, len(text.splitlines())))
    else:
        bad("metrics: promtool check metrics (%s)" % what, p.stdout + p.stderr)
scan_prom = open(metric_files["scan"]).read() if os.path.exists(metric_files["scan"]) else ""
m = re.search(r'relayhint_failures_total\{cause="m365.auth.smtp_auth_disabled_tenant"[^}]*relay="smtp.office365.com"\} (\d+)', scan_prom)
if m and int(m.group(1)) > 0 and "relayhint_failure_last_seen_timestamp_seconds" in scan_prom:
    ok("metrics: scan counts failures by cause and relay, with last-seen times")
else:
    bad("metrics: scan counts failures by cause and relay", scan_prom[:300])
doc_prom = open(metric_files["doctor"]).read() if os.path.exists(metric_files["doctor"]) else ""
(ok if "relayhint_basic_auth_off_timestamp_seconds 1798761600" in doc_prom else bad)(
    "metrics: doctor exports the Basic-auth deadline (2027-01-01T00:00:00Z)", doc_prom[:200])
q_prom = open(metric_files["queue"]).read() if os.path.exists(metric_files["queue"]) else ""
(ok if re.search(r"relayhint_queue_oldest_bounce_seconds\{cause=\"m365\.[^\"]+\",relay=\"[^\"]*\"\} \d+", q_prom)
 and "relayhint_queue_deferred_messages{" in q_prom else bad)(
    "metrics: queue exports deferred messages and seconds until the oldest bounces", q_prom[:300])
p_prom = open(metric_files["probe"]).read() if os.path.exists(metric_files["probe"]) else ""
(ok if "relayhint_probe_success 0" in p_prom and "relayhint_probe_state{" in p_prom else bad)(
    "metrics: a failed probe exports success 0 and its state", p_prom[:300])

# sample rules load, and the dashboard asks only for metrics we write
known = set(re.findall(r'\{ "(relayhint_[a-z_]+)"', open("cli/metrics.c").read()))
if promtool is not None:
    p = subprocess.run([promtool, "check", "rules", "conf/monitoring/relayhint.rules.yml"],
                       capture_output=True, text=True)
    (ok if p.returncode == 0 else bad)("monitoring: promtool check rules accepts the sample alerts", p.stdout + p.stderr)
for f in ("conf/monitoring/relayhint.rules.yml", "conf/monitoring/relayhint-dashboard.json"):
    used = set(re.findall(r"relayhint_[a-z_]+", open(f).read())) - {"relayhint_"}
    unknown = sorted(n for n in used if n not in known)
    if f.endswith(".json"):
        try:
            json.load(open(f))
        except ValueError as e:
            unknown.append("not JSON: %s" % e)
    (ok if used and not unknown else bad)("monitoring: %s uses only relayhint's metrics" % os.path.basename(f), unknown)

# --- the probe as a monitoring plugin ----------------------------------------
# Monitoring Plugins guidelines: first line "SERVICE STATUS - text | perfdata",
# perfdata 'label'=value[UOM];[warn];[crit];[min];[max]
PERF = re.compile(r"^[^=' ]+=[-0-9.]+(s|ms|us|%|B|KB|MB|TB|c)?;[-0-9.]*;[-0-9.]*;[-0-9.]*;[-0-9.]*$")
first = pout.splitlines()[0] if pout else ""
if rc == 2 and first.startswith("PROBE CRITICAL - ") and "|" in first and \
        all(PERF.match(p) for p in first.split("|", 1)[1].split()):
    ok("probe: refused connection is CRITICAL with a status line and valid perfdata")
else:
    bad("probe: refused connection is CRITICAL with a status line", "rc=%d %r" % (rc, first))
for args, why in ((["--user", "u@example.com"], "no secret"),
                  (["--bogus"], "unknown option"),
                  (["-H"], "missing argument"),
                  (["--user", "u@example.com", "--password-file", secret, "-p", "99999"], "bad port"),
                  (["--user", "u@example.com", "--password-file", secret, "-w", "5", "-c", "2"], "warning above critical")):
    rc, out, err = run(["probe"] + args)
    lines = out.splitlines()
    if rc == 3 and lines and lines[0].startswith("PROBE UNKNOWN - "):
        ok("probe: usage error (%s) prints 'PROBE UNKNOWN - ...' and exits 3" % why)
    else:
        bad("probe: usage error (%s) prints a status line" % why, "rc=%d out=%r" % (rc, out[:100]))
rc, out, err = run(["probe", "-H", "127.0.0.1", "-p", "1", "-t", "3", "-w", "1", "-c", "2",
                    "--user", "u@example.com", "--password-file", secret])
first = out.splitlines()[0] if out else ""
if rc == 2 and "127.0.0.1:1" in first and re.search(r"time=[0-9.]+s;1;2;0;3", first):
    ok("probe: -H -p -t -w -c set server, timeout and thresholds in perfdata")
else:
    bad("probe: -H -p -t -w -c", "rc=%d %r" % (rc, first))
if "Sekr1t" in pout + perr + out + err:
    bad("probe: the password is never printed", "leaked")
else:
    ok("probe: the password is never printed")

sys.exit(1 if failed else 0)
