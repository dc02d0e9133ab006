# Time limits of single unit tests, where a bug shows as a test that never
# ends rather than as a failed assertion (so the test itself reads no clock).
# CTest includes this after the test cases doctest_discover_tests found
# (TEST_INCLUDE_FILES in tests/CMakeLists.txt), whose names are in
# ctrace_tests_TESTS. A name here that is not a test case (renamed, say)
# adds a failing test rather than silently dropping the limit.
set(ctrace_test_timeouts
    # id_table::reserve after release_index: a rebuild into too few slots
    # loops forever (test_id_table.cpp). It takes milliseconds.
    "reserve for fewer ids than a released table holds keeps every id" 60
)
list(LENGTH ctrace_test_timeouts ctrace_timeout_count)
math(EXPR ctrace_timeout_last "${ctrace_timeout_count} - 1")
foreach(ctrace_timeout_i RANGE 0 ${ctrace_timeout_last} 2)
    math(EXPR ctrace_timeout_j "${ctrace_timeout_i} + 1")
    list(GET ctrace_test_timeouts ${ctrace_timeout_i} ctrace_timeout_test)
    list(GET ctrace_test_timeouts ${ctrace_timeout_j} ctrace_timeout_seconds)
    list(FIND ctrace_tests_TESTS "${ctrace_timeout_test}" ctrace_timeout_found)
    if(ctrace_timeout_found EQUAL -1)
        add_test("unit.timeout_of_a_missing_test_${ctrace_timeout_i}" sh -c
                 "echo 'tests/test_timeouts.cmake: no unit test named: ${ctrace_timeout_test}'; exit 1")
        set_tests_properties("unit.timeout_of_a_missing_test_${ctrace_timeout_i}"
                             PROPERTIES LABELS "unit")
    else()
        set_tests_properties("${ctrace_timeout_test}" PROPERTIES TIMEOUT ${ctrace_timeout_seconds})
    endif()
endforeach()
