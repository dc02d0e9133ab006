#pragma once
// The report page's template (internal to ctrace): lib/src/report/html/report.html,
// embedded at build time by CMake (lib/CMakeLists.txt), with the line
// `@CTRACE_REPORT_DATA@` where the data goes (`html_report.hpp`).

#include <string_view>

namespace ctrace::detail {

extern const std::string_view report_template;

} // namespace ctrace::detail
