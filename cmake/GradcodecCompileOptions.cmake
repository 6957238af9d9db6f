# Warning and sanitizer flags shared by every gradcodec target.
add_library(gradcodec_compile_options INTERFACE)
target_compile_options(gradcodec_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
# The x86-64 baseline lacks POPCNT, which the bit coders use in every word;
# x86-64-v2 (any x86-64 CPU since 2009) has it. Paths that want AVX2/BMI2
# choose them at run time instead (see codec/entropy/cpu_features.h).
# No fused multiply-adds the code does not ask for: the encoder's error
# memory and the decoder's output are specified bit for bit, and GCC (whose
# default for C++ is -ffp-contract=fast) fuses a product and a sum into one
# rounding wherever the target has FMA, as the AVX-512 paths' and a
# -march=native build's do. (It made signxor's error memory with momentum
# 0.9 differ from the portable path's on the AVX-512 path.)
target_compile_options(gradcodec_compile_options INTERFACE -ffp-contract=off)
set(GRADCODEC_MARCH "x86-64-v2" CACHE STRING
    "-march for x86-64 builds (empty: the compiler's default)")
if(GRADCODEC_MARCH AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(gradcodec_compile_options INTERFACE
    -march=${GRADCODEC_MARCH})
endif()

if(GRADCODEC_WERROR)
  target_compile_options(gradcodec_compile_options INTERFACE -Werror)
endif()
# Stricter warnings for the libraries: every narrowing is explicit there.
# Tests and benches, which mix counts and floating-point ratios freely, do
# without.
add_library(gradcodec_library_warnings INTERFACE)
target_compile_options(gradcodec_library_warnings INTERFACE
  -Wconversion -Wno-sign-conversion)
target_link_libraries(gradcodec_library_warnings INTERFACE
  gradcodec_compile_options)

if(GRADCODEC_SANITIZE)
  target_compile_options(gradcodec_compile_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  target_link_options(gradcodec_compile_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

# gradcodec_layer_root(<layer> <out_var>): a folder holding only a link named
# <layer> to the source folder of that layer, so that a target can include
# "<layer>/file.h" without the project root (and so every other layer) on its
# include path. This is what makes the one-way layering a build error rather
# than a convention.
function(gradcodec_layer_root layer out_var)
  set(root "${PROJECT_BINARY_DIR}/layer_roots/${layer}")
  file(MAKE_DIRECTORY "${root}")
  if(NOT EXISTS "${root}/${layer}")
    file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${layer}" "${root}/${layer}"
         SYMBOLIC)
  endif()
  set(${out_var} "${root}" PARENT_SCOPE)
endfunction()
