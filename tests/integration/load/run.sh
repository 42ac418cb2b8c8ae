#!/bin/sh
# tests/integration/load/run.sh - relayhint-milter under load and faults
# behind a real Postfix (issue #5); also "make check-load"
#
# Installs Debian's postfix (debconf "No configuration", so no system
# instance is configured or started) when root and missing, then runs
# loadtest.py, which builds a PRIVATE Postfix instance under a fresh
# directory in /var/tmp (own config, queue and data directories, loopback
# ports chosen at run time), a fake Microsoft 365 server and the milter
# as nobody, pushes RH_LOAD_N (default 10000) bounces through it with 60
# parallel SMTP clients, then kills and stalls the milter mid-run (see
# loadtest.py).  The system's own /etc/postfix is neither read nor
# changed.  Bounded: at most 470 s in all, loopback only.
#
# Output: one "PASS: name", "FAIL: name: why" or "SKIP: name: why" line
# per assertion (SKIP only when not root or the packages cannot be
# installed; with CI=true those print FAIL), and "# figure:" lines with
# the measured numbers.  Exit 0 when nothing failed.
#
# Environment: KEEP=1 keeps the work directory for inspection;
# RH_LOAD_N, RH_LOAD_FAULT_N, RH_LOAD_CONC, RH_LOAD_BOUNCES (loadtest.py).

name=load-integration
# shellcheck source=tests/integration/postfix-prereq.sh
. "$(dirname "$0")/../postfix-prereq.sh"
pflab_prereq
pflab_run relayhint-load loadtest.py 470
