# Every dependency comes from Debian's packages; nothing is downloaded at
# build time. scripts/install_deps.sh installs them.
find_package(absl CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
if(GRADCODEC_BUILD_TESTS OR GRADCODEC_BUILD_BENCH)
  # Test fixtures read safetensors headers with it.
  find_package(nlohmann_json CONFIG REQUIRED)
endif()
if(GRADCODEC_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(GRADCODEC_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
