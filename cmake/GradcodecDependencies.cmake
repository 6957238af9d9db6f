# Every dependency comes from Debian's packages; nothing is downloaded at
# build time. scripts/install_deps.sh installs them.
find_package(absl CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
# The command-line tool: safetensors headers (JSON), .npz archives (zip),
# and its argument parser.
find_package(nlohmann_json CONFIG REQUIRED)
# (libzip through pkg-config: Debian 12's CMake package for it names the
# zipcmp tools, which live in other packages.)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
find_package(CLI11 CONFIG REQUIRED)
find_package(Threads REQUIRED)  # the tool reads the next step while encoding
if(GRADCODEC_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(GRADCODEC_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
