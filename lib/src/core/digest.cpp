#include "ctrace/core/digest.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/evp.h>
#include <vector>

namespace ctrace {

struct sha256::state {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~state() { EVP_MD_CTX_free(context); }
};

sha256::sha256() : state_(std::make_unique<state>()) {
    if (state_->context == nullptr ||
        EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
        throw error("sha256: cannot initialise OpenSSL digest");
}

sha256::~sha256() = default;

void sha256::update(std::string_view bytes) {
    if (EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()) != 1)
        throw error("sha256: digest update failed");
}

std::string sha256::hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(state_->context, digest, &length) != 1)
        throw error("sha256: digest final failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

std::string sha256_file(const std::filesystem::path& path, std::uint64_t from) {
    const detail::file_descriptor file(path, O_RDONLY);
    if (!file.valid())
        throw io_error(path.string() + ": cannot open: " + std::strerror(file.open_errno()));
    return detail::sha256_from(file, from, path.string());
}

std::string detail::sha256_from(const file_descriptor& file, std::uint64_t offset,
                                const std::string& name) {
    sha256 digest;
    std::vector<char> buffer(std::size_t{1} << 20);
    for (;;) {
        const ssize_t got = file.read_at(buffer, offset);
        if (got < 0) throw io_error(name + ": read error: " + std::strerror(errno));
        if (got == 0) break;
        digest.update({buffer.data(), static_cast<std::size_t>(got)});
        offset += static_cast<std::uint64_t>(got);
    }
    return digest.hex_digest();
}

} // namespace ctrace
