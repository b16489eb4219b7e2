# Runtime options of the sanitizer build (sourced by scripts/sanitize.sh; source it yourself to
# run a build-asan/ test program by hand). Entries that only silence the uninstrumented Debian
# libraries say so; the suppression files hold the rest, one reason per entry.
_san="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$_san/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="suppressions=$_san/ubsan.supp:print_stacktrace=1:halt_on_error=1"
unset _san
