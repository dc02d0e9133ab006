# Included by the top-level project only (the fuzz targets' project builds the
# library too, without installing it).
# `cmake --install`: the headers, the library and a package configuration, so
# that `find_package(ctrace)` gives `ctrace::ctrace` (and `ctrace::distributed`
# when built with MPI). The README ("Library") says how to use it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(ctrace_install_targets ctrace)
if(MPI_CXX_FOUND)
    list(APPEND ctrace_install_targets ctrace_distributed)
endif()
install(TARGETS ${ctrace_install_targets} EXPORT ctraceTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The generator (ctrace::gen) is not installed, nor its header.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/ctrace DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN gen EXCLUDE)
set(ctrace_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/ctrace)
install(EXPORT ctraceTargets NAMESPACE ctrace:: DESTINATION ${ctrace_cmake_dir})
set(CTRACE_WITH_MPI ${MPI_CXX_FOUND})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ctraceConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ctraceConfig.cmake
                              INSTALL_DESTINATION ${ctrace_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ctraceConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ctraceConfig.cmake
              ${PROJECT_BINARY_DIR}/ctraceConfigVersion.cmake
        DESTINATION ${ctrace_cmake_dir})
