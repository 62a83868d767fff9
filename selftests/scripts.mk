# SPDX-License-Identifier: GPL-2.0
#
# What a directory of shell tests (e2e/, ksft/) shares: it sets TEST_PROGS
# (the tests, in their run order) and TEST_FILES (what they source, and
# settings: the runner's timeout), then includes this file for
#   make install INSTALL_PATH=DIR   copy them to DIR and write DIR/run_list

all:

install:
	@test -n "$(INSTALL_PATH)" || { echo "$(notdir $(CURDIR)): INSTALL_PATH= missing" >&2; exit 1; }
	install -d $(INSTALL_PATH)
	install -m 0755 $(TEST_PROGS) $(INSTALL_PATH)/
	install -m 0644 $(TEST_FILES) $(INSTALL_PATH)/
	printf '%s\n' $(TEST_PROGS) > $(INSTALL_PATH)/run_list

clean:

.PHONY: all install clean
