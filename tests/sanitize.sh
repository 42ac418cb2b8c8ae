#!/bin/sh
# sanitize.sh - the unit tests under ASan+UBSan, the threads under
# ThreadSanitizer, then the unit tests under valgrind
#
# Builds a separate tree (build-asan/) with -fsanitize=address,undefined
# and runs every unit test there; then runs the normal build's unit tests
# under valgrind (errors or definitely-lost bytes fail); builds
# everything with clang and extra warnings as errors.  Ends with the
# usual "N passed, N failed" line.
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
# CPU-time bounds mean nothing under ASan or valgrind (test_complexity)
RH_SANITIZE=1; export RH_SANITIZE
make --no-print-directory B=build-asan \
	CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	LDLIBS="-fsanitize=address,undefined" CMOCKA_LIBS="$(pkg-config --libs cmocka) -fsanitize=address,undefined" \
	build-asan/librelayhint.a tests >/dev/null || { echo "FAIL: sanitizer build"; echo "0 passed, 1 failed"; exit 1; }
for t in build-asan/tests/test_*; do
	if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$t" >/tmp/rh-san.out 2>&1; then
		pass=$((pass + 1)); echo "PASS: asan+ubsan $(basename "$t")"
	else
		fail=$((fail + 1)); echo "FAIL: asan+ubsan $(basename "$t")"; tail -n 30 /tmp/rh-san.out
	fi
done
# clang with warnings beyond the gcc build's, as errors: every program
# and test must build (make CC=clang used to fail on log_vsend's format)
if command -v clang >/dev/null; then
	if make --no-print-directory B=build-clang CC=clang CFLAGS="-O1 -g" \
	    WARN="-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter -Wformat-nonliteral \
	    -Wsometimes-uninitialized -Wunreachable-code -Wundef -Wloop-analysis \
	    -Wstring-conversion -Wnewline-eof -Wmissing-format-attribute" \
	    all tests >/tmp/rh-clang.out 2>&1; then
		pass=$((pass + 1)); echo "PASS: clang strong-warnings build"
	else
		fail=$((fail + 1)); echo "FAIL: clang strong-warnings build"
		grep -E 'error|warning' /tmp/rh-clang.out | head -n 20
	fi
elif [ "$CI" = true ]; then
	fail=$((fail + 1)); echo "FAIL: clang not installed (CI=true)"
else
	echo "SKIP: clang not installed"
fi
# The threads under ThreadSanitizer, a race failing: bounce --jobs 3
# (the reader and the workers, classification and --rewrite with its
# charset conversions) on an mbox of the recorded bounces, scan --jobs 3
# on a generated mail log (a file, read by the workers; a pipe, read by
# the scan's thread), the unit test whose threads fill the compiled-in
# catalogs at once and test_scanpar (workers over files and pipes)
tsan="-fsanitize=thread"
if make --no-print-directory B=build-tsan CFLAGS="-O1 -g $tsan" LDLIBS="$tsan" \
    CMOCKA_LIBS="$(pkg-config --libs cmocka) $tsan" build-tsan/relayhint tests \
    >/tmp/rh-tsan.out 2>&1; then
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(pwd)/tests/tsan.supp"
	export TSAN_OPTIONS
	td=$(mktemp -d)
	python3 bench/gen_mbox.py --count 600 "$td/t.mbox" tests/data/postfix \
	    tests/data/exim tests/data/ndr tests/data/external/set-of-emails >/dev/null
	mkdir "$td/out"
	for run in "--json --jobs 3" "--jobs 3" "--rewrite --output-dir $td/out --jobs 3"; do
		# shellcheck disable=SC2086
		build-tsan/relayhint bounce $run "$td/t.mbox" >/dev/null 2>/tmp/rh-tsan.err
		if [ $? -ne 66 ] && ! grep -q ThreadSanitizer /tmp/rh-tsan.err; then
			pass=$((pass + 1)); echo "PASS: tsan bounce $run"
		else
			fail=$((fail + 1)); echo "FAIL: tsan bounce $run"; head -n 40 /tmp/rh-tsan.err
		fi
	done
	# scan --jobs 3: workers that read a file, workers fed from a pipe
	python3 bench/gen_maillog.py --size 3 --root . "$td/m.log" "$td/m.exp" \
	    >/dev/null 2>&1
	for how in file pipe; do
		if [ $how = file ]; then
			build-tsan/relayhint scan --json --jobs 3 "$td/m.log"
		else
			cat "$td/m.log" | build-tsan/relayhint scan --json --jobs 3
		fi >/dev/null 2>/tmp/rh-tsan.err
		if [ $? -ne 66 ] && ! grep -q ThreadSanitizer /tmp/rh-tsan.err; then
			pass=$((pass + 1)); echo "PASS: tsan scan --jobs 3 ($how)"
		else
			fail=$((fail + 1)); echo "FAIL: tsan scan --jobs 3 ($how)"; head -n 40 /tmp/rh-tsan.err
		fi
	done
	rm -rf "$td"
	for t in test_builtin test_scanpar; do
		if build-tsan/tests/$t >/tmp/rh-tsan.err 2>&1; then
			pass=$((pass + 1)); echo "PASS: tsan $t"
		else
			fail=$((fail + 1)); echo "FAIL: tsan $t"; head -n 40 /tmp/rh-tsan.err
		fi
	done
	unset TSAN_OPTIONS
else
	fail=$((fail + 1)); echo "FAIL: ThreadSanitizer build"; tail -n 20 /tmp/rh-tsan.out
fi
make --no-print-directory all tests >/dev/null
if command -v valgrind >/dev/null; then
	for t in build/tests/test_*; do
		if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp \
			"$t" >/tmp/rh-vg.out 2>&1; then
			pass=$((pass + 1)); echo "PASS: valgrind $(basename "$t")"
		else
			fail=$((fail + 1)); echo "FAIL: valgrind $(basename "$t")"; tail -n 30 /tmp/rh-vg.out
		fi
	done
else
	echo "SKIP: valgrind not installed"
fi
echo "sanitize: $pass passed, $fail failed"
[ $fail -eq 0 ]
