// Reads a snapshot with an installed ctrace and prints what it holds.
#include <ctrace/ctrace.hpp>
#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const ctrace::dataset data = ctrace::read_snapshot(argv[1]);
    std::cout << data.persons.size() << " persons, " << data.places.size() << " places, "
              << data.stays.size() << " stays\n";
    return 0;
}
