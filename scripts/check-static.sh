#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the kernel code, one result each:
#   static: checkpatch   checkpatch.pl --strict over every .c/.h of driver/
#                        and include/, any finding fails
#   static: W=1 build    the modules with W=1 (driver/Kbuild adds -Werror)
#   static: sparse       C=2 build; any sparse warning or error in our files
#                        fails
#   static: rst          Documentation/ parses as reStructuredText (docutils)
#                        without a warning; Sphinx's toctree is allowed,
#                        and the kernel's kernel-doc directive when its file
#                        exists and its options are the extension's
#   static: dkms         dkms.conf builds the four modules for the kernel
#                        of KDIR, in a private DKMS tree (dkms.sh check)
#   static: names        no function, struct or variable name is shared
#                        between the kernel modules and the tools, or
#                        between two modules (tools/check-names.sh)
#
# Usage: check-static.sh [RESULTS_FILE]   (KDIR and KSRC from the Makefile)
# Prints "PASS/FAIL name" lines (also to RESULTS_FILE), the findings, and
# exits 1 when a check failed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOP=$(mvgpu_top)
KSRC=${KSRC:-/usr/src/linux-source-6.12}
[ -n "${KDIR:-}" ] || die "KDIR not set (run through 'make check-static')"
MAKE=${MAKE:-make}
results=${1:-/dev/null}
work=$(mktemp -d "${TMPDIR:-/tmp}/mvgpu-static.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$TOP"

mkdir -p "$(dirname "$results")"
: > "$results"
failed=0
result() {
	echo "$1 static: $2" | tee -a "$results"
	[ "$1" = PASS ] || failed=1
}

# Show what a failed check printed.
findings() {
	sed 's/^/    /' "$1" | head -n "${2:-60}"
}

# checkpatch
mapfile -t files < <(find driver include -name '*.[ch]' ! -name '*.mod.c' | sort)
checkpatch=$KSRC/scripts/checkpatch.pl
if [ ! -x "$checkpatch" ] && [ ! -f "$checkpatch" ]; then
	echo "no $checkpatch (run 'make deps')" > "$work/cp"
	result FAIL checkpatch
	findings "$work/cp"
elif perl "$checkpatch" --strict --no-tree --terse --no-summary -f "${files[@]}" \
		> "$work/cp" 2>&1 && ! grep -q . "$work/cp"; then
	result PASS checkpatch
else
	result FAIL checkpatch
	findings "$work/cp"
fi

# W=1 build (-Werror comes from driver/Kbuild)
if $MAKE -s -C "$KDIR" M="$TOP" W=1 modules > "$work/w1" 2>&1 &&
   ! grep -E -q '(warning|error):' "$work/w1"; then
	result PASS "W=1 build"
else
	result FAIL "W=1 build"
	findings "$work/w1"
fi

# sparse on every source file (C=2), our files only
if ! command -v sparse > /dev/null; then
	echo "sparse not installed (run 'make deps')" > "$work/sp"
	result FAIL sparse
	findings "$work/sp"
elif $MAKE -s -C "$KDIR" M="$TOP" W=1 C=2 modules > "$work/sp" 2>&1 &&
     ! grep -E "^($TOP/)?(driver|include)/[^:]*:[0-9]+:[0-9]+: (warning|error):" "$work/sp" \
	> "$work/sp-ours"; then
	result PASS sparse
else
	result FAIL sparse
	if [ -s "$work/sp-ours" ]; then
		findings "$work/sp-ours"
	else
		findings "$work/sp"
	fi
fi

# DKMS, as an operator installs the modules
kver=$(cat "$KDIR/include/config/kernel.release" 2> /dev/null || true)
if [ -z "$kver" ]; then
	echo "no kernel release in $KDIR" > "$work/dkms"
	result FAIL dkms
	findings "$work/dkms"
elif bash "$TOP/scripts/dkms.sh" check "$kver" > "$work/dkms" 2>&1; then
	result PASS dkms
else
	result FAIL dkms
	findings "$work/dkms"
fi

# reStructuredText: what a reader (and "make htmldocs") would trip over;
# with Debian's python3 and python3-docutils, whatever python3 is first in PATH
if ! /usr/bin/python3 -c 'import docutils' 2> /dev/null; then
	echo "python3-docutils not installed (run 'make deps')" > "$work/rst"
	result FAIL rst
	findings "$work/rst"
elif /usr/bin/python3 - Documentation/mvgpu/*.rst > "$work/rst" 2>&1 <<'PY'
import io
import os
import sys

from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives


class Toctree(Directive):
    """Sphinx's toctree: only its options and entries, nothing to check."""
    has_content = True
    option_spec = {'maxdepth': directives.unchanged}

    def run(self):
        return []


class KernelDoc(Directive):
    """The kernel's kernel-doc (Documentation/sphinx/kerneldoc.py): a file
    of this tree (the kernel's srctree) and that extension's options."""
    required_arguments = 1
    option_spec = {'doc': directives.unchanged_required,
                   'export': directives.unchanged,
                   'internal': directives.unchanged,
                   'identifiers': directives.unchanged,
                   'no-identifiers': directives.unchanged,
                   'functions': directives.unchanged}

    def run(self):
        if not os.path.isfile(self.arguments[0]):
            raise self.error('kernel-doc: no file %s' % self.arguments[0])
        return []


directives.register_directive('toctree', Toctree)
directives.register_directive('kernel-doc', KernelDoc)
bad = 0
for path in sys.argv[1:]:
    err = io.StringIO()
    with open(path, encoding='utf-8') as f:
        publish_doctree(f.read(), source_path=path,
                        settings_overrides={'warning_stream': err,
                                            'report_level': 2})
    if err.getvalue():
        print(err.getvalue(), end='')
        bad = 1
sys.exit(bad)
PY
then
	result PASS rst
else
	result FAIL rst
	findings "$work/rst"
fi

# one prefix per module: no name shared across the kernel/user boundary
if bash "$TOP/tools/check-names.sh" > "$work/names" 2>&1; then
	result PASS names
else
	result FAIL names
	findings "$work/names"
fi

exit $failed
