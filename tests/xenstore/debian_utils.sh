#!/bin/bash
# SPDX-License-Identifier: MIT
# Drives skiff-xenstored with Debian's xenstore-utils (run under with-server.sh, which sets XENSTORED_PATH).
set -u
fail=0
tmp=$(mktemp -d)
wpid=
trap 'kill $wpid 2>/dev/null; wait $wpid 2>/dev/null; rm -rf "$tmp"' EXIT

check() {
	if [ "$2" == "$3" ]; then
		echo "ok   $1"
	else
		printf 'FAIL %s\n  expected: %q\n  got:      %q\n' "$1" "$2" "$3"
		fail=1
	fi
}

check_rc() {
	local name=$1 want=$2
	shift 2
	"$@" >/dev/null 2>&1
	check "$name (exit status)" "$want" "$?"
}

xenstore-write /t/a 1 /t/b "two words"
check "write+read" "1" "$(xenstore-read /t/a)"
check "value with spaces" "two words" "$(xenstore-read /t/b)"
check "read two paths" $'1\ntwo words' "$(xenstore-read /t/a /t/b)"
check_rc "exists" 0 xenstore-exists /t/a
check_rc "exists missing" 1 xenstore-exists /t/zz
check "ls" $'a = "1"\nb = "two words"' "$(xenstore-ls /t)"
check "list" $'a\nb' "$(xenstore-list /t)"
check "implicit parent is empty" "" "$(xenstore-read /t)"

xenstore-chmod /t/a r3 w4
check "chmod shows in ls -p" "1" "$(xenstore-ls -p /t | grep -c '^a = "1" .*(r3,w4)$')"
xenstore-chmod -r /t b7
check "chmod -r" "3" "$(xenstore-ls -p / | grep -c '(b7)$')"
check_rc "chmod bad perm string" 1 xenstore-chmod /t/a x3

xenstore-rm /t/a
check_rc "read after rm" 1 xenstore-read /t/a
check "rm leaves sibling" "two words" "$(xenstore-read /t/b)"
check_rc "rm missing leaf of existing parent" 0 xenstore-rm /t/nothing
check_rc "rm under missing parent" 1 xenstore-rm /nothing/here

check_rc "invalid path //" 1 xenstore-write /t//x 1
check_rc "invalid path char" 1 xenstore-write '/t/x y' 1
check_rc "trailing slash" 1 xenstore-write /t/x/ 1

big=$(head -c 4000 /dev/zero | tr '\0' x)
xenstore-write /t/big "$big"
check "4000-byte value" "$big" "$(xenstore-read /t/big)"
xenstore-rm /t/big

# More than 4096 bytes of child names: xs_directory falls back to DIRECTORY_PART.
args=()
for i in $(seq -w 0 699); do args+=("/many/child-$i" "$i"); done
xenstore-write "${args[@]}"
check "700 children listed" "700" "$(xenstore-list /many | wc -l)"
check "last child listed" "child-699" "$(xenstore-list /many | tail -1)"
check "first child listed" "child-000" "$(xenstore-list /many | head -1)"

# Watches: the first event is the registration itself.
xenstore-write /w/seed 0
xenstore-watch -n 4 /w >"$tmp/watch" 2>&1 &
wpid=$!
for _ in $(seq 200); do [ -s "$tmp/watch" ] && break; sleep 0.05; done
xenstore-write /w/x 1
xenstore-write /w 2
xenstore-rm /w
for _ in $(seq 300); do kill -0 $wpid 2>/dev/null || break; sleep 0.05; done
kill $wpid 2>/dev/null
check "watch events" $'/w\n/w/x\n/w\n/w' "$(cat "$tmp/watch")"

xenstore-write /w2/deep/er 1
xenstore-watch -n 2 /w2/deep/er >"$tmp/watch2" 2>&1 &
wpid=$!
for _ in $(seq 200); do [ -s "$tmp/watch2" ] && break; sleep 0.05; done
xenstore-rm /w2
for _ in $(seq 300); do kill -0 $wpid 2>/dev/null || break; sleep 0.05; done
kill $wpid 2>/dev/null
check "watch below removed ancestor" $'/w2/deep/er\n/w2/deep/er' "$(cat "$tmp/watch2")"

# Client-side options: escapes, raw mode, prefixes, full paths, tidy removal.
xenstore-write /o/esc 'a\x41b'
check "escape decoded by client" "aAb" "$(xenstore-read /o/esc)"
xenstore-write -R /o/raw 'a\x41'
check "raw write" 'a\x41' "$(xenstore-read -R /o/raw)"
check "read -p" "/o/esc: aAb" "$(xenstore-read -p /o/esc)"
xenstore-write /f/one 1 /f/two 2
check "ls -f" $'/f/one = "1"\n/f/two = "2"' "$(xenstore-ls -f /f)"
xenstore-write /tidy/a/b 1 /tidy/keep/x 2
xenstore-rm -t /tidy/a/b
check "rm -t removes emptied parents" "keep" "$(xenstore-list /tidy)"
xenstore-rm -t /tidy/keep/x
check_rc "rm -t up to the top" 1 xenstore-exists /tidy

# xenstore-control is only a wrapper link to xen-utils-common (not installed);
# CONTROL is covered by the libxenstore test instead.

exit $fail
