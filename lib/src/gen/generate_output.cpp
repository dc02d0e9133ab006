#include "gen/generate_output.hpp"

#include <algorithm>
#include <ostream>

namespace ctrace::generation {

block_writer::block_writer(std::ostream& out) : out_(out), buffer_(new char[capacity]) {}

void block_writer::append(std::string_view text) {
    for (std::size_t done = 0; done < text.size();) {
        char* p = room();
        const std::size_t n = std::min(text.size() - done, max_row);
        std::memcpy(p, text.data() + done, n);
        advance(p + n);
        done += n;
    }
}

void block_writer::flush() {
    out_.write(buffer_.get(), static_cast<std::streamsize>(used_));
    written_ += used_;
    used_ = 0;
}

scan_row_writer::scan_row_writer(const person_id_writer& persons,
                                 const std::vector<std::string>& places)
    : persons_(persons), place_length_(places.front().size()) {
    // Place ids packed into one block, for cache-friendly copying.
    place_block_.reserve(places.size() * place_length_);
    for (const std::string& id : places)
        place_block_.insert(place_block_.end(), id.begin(), id.end());
}

} // namespace ctrace::generation
