# The README's two commands, plus shortcuts. The scripts do the work, so
# they also run where make is not installed.
.PHONY: run test unit fuzz integration e2e check-format format clean bench

run:
	scripts/run.sh

test:
	scripts/test.sh

unit fuzz integration e2e:
	scripts/test.sh $@

# The media benchmark against Janus (docs/performance.md); BENCH_FULL=1 for
# the full table.
bench:
	scripts/bench.sh

check-format:
	scripts/test.sh format

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'fuzz/*.c' 'bench/*.[ch]')

clean:
	rm -rf build build-test build-fuzz build-release
