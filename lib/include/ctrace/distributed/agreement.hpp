#pragma once
/// \file
/// How the ranks of an MPI job agree on a failure (the one protocol of
/// `ctrace::distributed` and `ctrace-mpi`). A rank's own work (reading its
/// slice, a step between two collective calls) can fail on one rank only;
/// if that rank simply threw, the others would wait forever in the next
/// collective call. So each stretch of local work ends in an agreement:
/// every rank says whether it failed, and if any did, every rank throws the
/// same `agreed_failure`, the one the lowest failing rank described.

#include <exception>
#include <mpi.h>
#include <optional>
#include <string>
#include <utility>

namespace ctrace::distributed {

/// This process's rank in `comm`, and the number of ranks.
inline int rank_of(MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    return rank;
}
inline int size_of(MPI_Comm comm) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    return size;
}

/// A failure every rank agreed on: a code and a text chosen by the failing
/// rank's describer (the library's: the kind of exception and its message;
/// `ctrace-mpi`'s: an exit status and the message it prints).
class agreed_failure : public std::exception {
public:
    agreed_failure(int code, std::string text) : code_(code), text_(std::move(text)) {}
    int code() const noexcept { return code_; }
    const std::string& text() const noexcept { return text_; }
    const char* what() const noexcept override { return text_.c_str(); }

private:
    int code_;
    std::string text_;
};

/// Collective: when any rank passes a failure, every rank throws the failure
/// of the lowest such rank; otherwise returns.
void agree_on_failure(MPI_Comm comm, const std::optional<agreed_failure>& failure);

/// Runs `step` (this rank's own work, no collective calls), then agrees on
/// its failure: an exception from `step` is turned into an `agreed_failure`
/// by `describe(std::exception_ptr)`. Collective.
template <class Step, class Describe>
void on_every_rank(MPI_Comm comm, Step&& step, Describe&& describe) {
    std::optional<agreed_failure> failure;
    try {
        step();
    } catch (...) {
        failure.emplace(describe(std::current_exception()));
    }
    agree_on_failure(comm, failure);
}

} // namespace ctrace::distributed
