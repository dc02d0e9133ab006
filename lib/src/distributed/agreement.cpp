#include "ctrace/distributed/agreement.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

namespace ctrace::distributed {

void agree_on_failure(MPI_Comm comm, const std::optional<agreed_failure>& failure) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    const int mine = failure ? rank : INT_MAX;
    int first = INT_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == INT_MAX) return;
    int code = failure ? failure->code() : 0;
    std::string text = failure ? failure->text() : std::string();
    // A message longer than an MPI count is cut: it is text for a person.
    std::uint64_t length = std::min<std::uint64_t>(text.size(), INT_MAX);
    MPI_Bcast(&code, 1, MPI_INT, first, comm);
    MPI_Bcast(&length, 1, MPI_UINT64_T, first, comm);
    text.resize(static_cast<std::size_t>(length));
    MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, first, comm);
    throw agreed_failure(code, std::move(text));
}

} // namespace ctrace::distributed
