# Warnings live on an INTERFACE target that our own targets link privately, so third-party code
# (QuickFIX headers, Catch2) is never compiled with -Werror.
add_library(fixgate_warnings INTERFACE)
target_compile_options(fixgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # Designated initializers that leave fields to their defaults are intended.
  -Wno-missing-field-initializers
  # g++ 12 at -O3 reports false -Wrestrict positives inside std::string (GCC bug 105329).
  $<$<CONFIG:Release>:-Wno-restrict>
  $<$<BOOL:${FIXGATE_WERROR}>:-Werror>)
add_library(fixgate::warnings ALIAS fixgate_warnings)

# Tests may use Catch2 macros that trip the stricter conversions; keep the rest.
add_library(fixgate_test_warnings INTERFACE)
target_compile_options(fixgate_test_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wunused $<$<BOOL:${FIXGATE_WERROR}>:-Werror>)
