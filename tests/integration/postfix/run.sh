#!/bin/sh
# tests/integration/postfix/run.sh - relayhint-milter against a real Postfix
#
# Installs Debian's postfix (debconf "No configuration", so no system
# instance is configured or started) when root and missing, then runs
# pfxtest.py, which builds a PRIVATE Postfix instance under a fresh
# directory in /var/tmp (own config, queue and data directories, loopback
# ports chosen at run time), a fake Microsoft 365 server and the milter.
# The system's own /etc/postfix is neither read nor changed.  The milter
# is in non_smtpd_milters (Postfix's own bounces) and smtpd_milters
# (Microsoft NDRs received over SMTP, and ordinary mail that must pass
# untouched); see pfxtest.py.
#
# Output: one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line
# per assertion (SKIP only when not root or the packages cannot be
# installed; with CI=true those print FAIL).  Exit 0 when nothing failed.
#
# Environment: KEEP=1 keeps the work directory for inspection;
# RELAYHINT_QUICK=1 leaves out the ~80 s soft-bounce/expiry phase.

name=postfix-integration
# shellcheck source=tests/integration/postfix-prereq.sh
. "$(dirname "$0")/../postfix-prereq.sh"
pflab_prereq
pflab_run relayhint-postfix pfxtest.py 360
