# The libraries the ctrace library builds against (Debian 12 packages), and
# the ctrace_warnings interface target it links. Included by the project and
# by the fuzz targets' own project (tests/fuzz/).
find_package(Boost 1.74 REQUIRED COMPONENTS program_options graph)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# Open MPI (Debian's libopenmpi-dev) for the distributed reader and its
# tests; everything else builds without it.
find_package(MPI COMPONENTS CXX QUIET)
# libdeflate (Debian's libdeflate-dev), libzstd (libzstd-dev) and
# libxlsxwriter (libxlsxwriter-dev, the Excel outputs) ship no CMake package,
# only pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(libdeflate REQUIRED IMPORTED_TARGET libdeflate)
pkg_check_modules(libzstd REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(xlsxwriter REQUIRED IMPORTED_TARGET xlsxwriter)

add_library(ctrace_warnings INTERFACE)
target_compile_options(ctrace_warnings INTERFACE -Wall -Wextra -Wconversion -Wsign-conversion
                       $<$<BOOL:${CTRACE_WERROR}>:-Werror>)
