#include "ctrace/io/decoded_input.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iconv.h>
#include <limits>
#include <new>
#include <span>
#include <streambuf>
#include <utility>
#include <vector>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

namespace ctrace {

namespace {

constexpr std::array<unsigned char, 2> gzip_magic = {0x1f, 0x8b};
constexpr std::array<unsigned char, 4> zstd_magic = {0x28, 0xb5, 0x2f, 0xfd};

/// Written for each GB18030 byte that is not part of a character. 0xFF never
/// occurs in UTF-8, so the CSV reader rejects the row that holds it as invalid
/// UTF-8, with its line, while every other row reads on.
constexpr char invalid_byte_marker = static_cast<char>(0xFF);

template <std::size_t N>
bool starts_with_magic(std::span<const char> head, const std::array<unsigned char, N>& magic) {
    if (head.size() < N) return false;
    for (std::size_t i = 0; i < N; ++i)
        if (static_cast<unsigned char>(head[i]) != magic[i]) return false;
    return true;
}

compression compression_of_head(std::span<const char> head) {
    if (starts_with_magic(head, gzip_magic)) return compression::gzip;
    if (starts_with_magic(head, zstd_magic)) return compression::zstd;
    return compression::none;
}

/// One stage of the decoding: the file, a decompressor, a transcoder.
class byte_source {
public:
    virtual ~byte_source() = default;
    /// Fills `into` with up to `into.size()` bytes; returns 0 only at the end
    /// of the input.
    virtual std::size_t read(std::span<char> into) = 0;
};

/// The file's own bytes, read sequentially.
class file_source final : public byte_source {
public:
    file_source(const std::filesystem::path& path, const std::string& name)
        : name_(name), file_(path, O_RDONLY) {
        if (!file_.valid())
            throw io_error(name_ + ": cannot open: " + std::strerror(file_.open_errno()));
        ::posix_fadvise(file_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    }

    /// The first bytes of the file, without consuming them.
    std::span<const char> head() {
        const std::size_t got = read_at(head_, 0);
        return {head_.data(), got};
    }

    std::size_t read(std::span<char> into) override {
        const std::size_t got = read_at(into, position_);
        position_ += got;
        if (digest_ != nullptr) digest_->update({into.data(), got});
        return got;
    }

    std::uint64_t bytes_read() const noexcept { return position_; }
    void set_digest(sha256* digest) noexcept { digest_ = digest; }

private:
    std::size_t read_at(std::span<char> into, std::uint64_t offset) const {
        const ssize_t got = file_.read_at(into, offset);
        if (got < 0) throw io_error(name_ + ": read error: " + std::strerror(errno));
        return static_cast<std::size_t>(got);
    }

    const std::string& name_;
    detail::file_descriptor file_;
    std::uint64_t position_ = 0;
    sha256* digest_ = nullptr;
    std::array<char, zstd_magic.size()> head_{};
};

/// gzip members, one after another, inflated with zlib.
class gzip_source final : public byte_source {
public:
    gzip_source(byte_source& compressed, const std::string& name, std::size_t buffer_bytes)
        : compressed_(compressed), name_(name),
          input_(std::min<std::size_t>(buffer_bytes, std::numeric_limits<uInt>::max())) {
        // The largest window (15), plus 32: zlib reads the gzip header
        // (and would a zlib one) itself.
        if (inflateInit2(&stream_, 15 + 32) != Z_OK) throw std::bad_alloc();
    }
    ~gzip_source() override { inflateEnd(&stream_); }
    gzip_source(const gzip_source&) = delete;
    gzip_source& operator=(const gzip_source&) = delete;

    std::size_t read(std::span<char> into) override {
        const auto capacity =
            static_cast<uInt>(std::min<std::size_t>(into.size(), std::numeric_limits<uInt>::max()));
        stream_.next_out = reinterpret_cast<Bytef*>(into.data());
        stream_.avail_out = capacity;
        // A call to inflate may consume input without producing output (a
        // header, an empty member), so go on until there is some.
        while (stream_.avail_out == capacity && !finished_) {
            if (stream_.avail_in == 0 && !input_ended_) refill();
            if (stream_.avail_in == 0 && input_ended_ && !inside_member_) {
                finished_ = true;
                break;
            }
            inside_member_ = true;
            const int status = inflate(&stream_, Z_NO_FLUSH);
            if (status == Z_STREAM_END) {
                // Another member may follow: `gzip -c a b` and appending to a
                // .gz file write them back to back, and gzip reads them all.
                inside_member_ = false;
                inflateReset(&stream_);
            } else if (status == Z_DATA_ERROR) {
                throw io_error(name_ + ": corrupt gzip data: " +
                               (stream_.msg != nullptr ? stream_.msg : "invalid data"));
            } else if (status == Z_NEED_DICT) {
                throw io_error(name_ + ": corrupt gzip data: asks for a preset dictionary");
            } else if (status == Z_MEM_ERROR) {
                throw std::bad_alloc();
            } else if (status == Z_BUF_ERROR && stream_.avail_in == 0 && input_ended_) {
                // No progress possible, and no input left: the member's
                // end (or its trailer) is missing.
                throw io_error(name_ + ": truncated gzip stream");
            }
            // Z_OK, or Z_BUF_ERROR: inflate needs more input, read above.
            // Output still pending with no input left comes out here too.
        }
        return capacity - stream_.avail_out;
    }

private:
    void refill() {
        const std::size_t got = compressed_.read(input_);
        if (got == 0) input_ended_ = true;
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = static_cast<uInt>(got);
    }

    byte_source& compressed_;
    const std::string& name_;
    std::vector<char> input_;
    z_stream stream_{};
    bool input_ended_ = false;
    bool inside_member_ = false;
    bool finished_ = false;
};

/// Zstandard frames, one after another, with libzstd's streaming API.
class zstd_source final : public byte_source {
public:
    /// A window of 128 MiB, libzstd's own default limit: enough for every
    /// level and for long-distance matching at its default window.
    static constexpr int max_window_log = 27;

    zstd_source(byte_source& compressed, const std::string& name, std::size_t buffer_bytes)
        : compressed_(compressed), name_(name), input_(buffer_bytes), context_(ZSTD_createDCtx()) {
        if (context_ == nullptr) throw std::bad_alloc();
        // Bounds the decoder's memory whatever a frame header asks for.
        ZSTD_DCtx_setParameter(context_, ZSTD_d_windowLogMax, max_window_log);
    }
    ~zstd_source() override { ZSTD_freeDCtx(context_); }
    zstd_source(const zstd_source&) = delete;
    zstd_source& operator=(const zstd_source&) = delete;

    std::size_t read(std::span<char> into) override {
        ZSTD_outBuffer out{into.data(), into.size(), 0};
        while (out.pos == 0) {
            if (in_.pos == in_.size && !input_ended_) refill();
            const bool input_exhausted = in_.pos == in_.size;
            if (input_exhausted && frame_complete_) break;
            // With no input left, a call still flushes what the decoder holds.
            const std::size_t result = ZSTD_decompressStream(context_, &out, &in_);
            if (ZSTD_isError(result)) throw_error(result);
            // 0: a frame ended and all its output is out; ZSTD_decompressStream
            // goes on to the next frame by itself.
            frame_complete_ = result == 0;
            if (input_exhausted && out.pos == 0) throw io_error(name_ + ": truncated zstd stream");
        }
        return out.pos;
    }

private:
    void refill() {
        const std::size_t got = compressed_.read(input_);
        if (got == 0) input_ended_ = true;
        in_ = ZSTD_inBuffer{input_.data(), got, 0};
    }

    [[noreturn]] void throw_error(std::size_t result) const {
        if (ZSTD_getErrorCode(result) == ZSTD_error_frameParameter_windowTooLarge)
            throw io_error(name_ + ": zstd data needs a window larger than the " +
                           std::to_string((std::size_t{1} << max_window_log) >> 20) +
                           " MiB this reader allows");
        throw io_error(name_ + ": corrupt zstd data: " + ZSTD_getErrorName(result));
    }

    byte_source& compressed_;
    const std::string& name_;
    std::vector<char> input_;
    ZSTD_DCtx* context_;
    ZSTD_inBuffer in_{nullptr, 0, 0};
    bool input_ended_ = false;
    // No frame begun yet counts as complete: an input with no frame is empty.
    bool frame_complete_ = true;
};

/// GB18030 text converted to UTF-8 with glibc's iconv.
class gb18030_source final : public byte_source {
public:
    gb18030_source(byte_source& encoded, const std::string& name, std::size_t buffer_bytes)
        : encoded_(encoded), input_(buffer_bytes), converter_(iconv_open("UTF-8", "GB18030")) {
        if (converter_ == reinterpret_cast<iconv_t>(-1))
            throw io_error(name + ": cannot decode GB18030 (the system's iconv lacks it: " +
                           std::strerror(errno) + ")");
    }
    ~gb18030_source() override { iconv_close(converter_); }
    gb18030_source(const gb18030_source&) = delete;
    gb18030_source& operator=(const gb18030_source&) = delete;

    /// `into` must hold at least one UTF-8 character (4 bytes).
    std::size_t read(std::span<char> into) override {
        if (!started_) {
            started_ = true;
            refill();
            // A UTF-8 byte-order mark says the file is UTF-8 after all (a
            // hand-made cases file saved by Excel as "CSV UTF-8" beside a
            // GB18030 export): it is passed on as it is.
            passthrough_ =
                end_ - begin_ >= 3 && std::memcmp(input_.data() + begin_, "\xEF\xBB\xBF", 3) == 0;
        }
        if (passthrough_) return pass_on(into);
        char* out = into.data();
        std::size_t out_left = into.size();
        while (out_left == into.size()) {
            if (begin_ == end_ || needs_more_input_) {
                if (!input_ended_) refill();
                needs_more_input_ = false;
            }
            if (begin_ == end_) break;
            char* in = input_.data() + begin_;
            std::size_t in_left = end_ - begin_;
            const std::size_t result = iconv(converter_, &in, &in_left, &out, &out_left);
            begin_ = end_ - in_left;
            if (result != static_cast<std::size_t>(-1)) continue;
            if (errno == E2BIG) break;
            if (errno == EINVAL && !input_ended_) {
                // A character cut by the end of the buffer: its first bytes
                // wait for the rest, read next.
                needs_more_input_ = true;
            } else if (errno == EINVAL) {
                // A character cut off by the end of the input: each of its
                // bytes is marked.
                const std::size_t marked = std::min(end_ - begin_, out_left);
                std::fill_n(out, marked, invalid_byte_marker);
                out += marked;
                out_left -= marked;
                begin_ += marked;
            } else if (out_left > 0) {
                // EILSEQ: the first byte starts no character. Mark it and go
                // on from the next byte, so that a line end after a bad byte
                // still ends its line.
                *out++ = invalid_byte_marker;
                --out_left;
                ++begin_;
            }
        }
        return into.size() - out_left;
    }

private:
    std::size_t pass_on(std::span<char> into) {
        if (begin_ == end_ && !input_ended_) refill();
        const std::size_t n = std::min(into.size(), end_ - begin_);
        std::memcpy(into.data(), input_.data() + begin_, n);
        begin_ += n;
        return n;
    }

    /// Moves the unconverted bytes to the front and reads after them.
    void refill() {
        std::memmove(input_.data(), input_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        const std::size_t got = encoded_.read(std::span<char>(input_).subspan(end_));
        if (got == 0) input_ended_ = true;
        end_ += got;
    }

    byte_source& encoded_;
    std::vector<char> input_;
    std::size_t begin_ = 0; // unconverted bytes: [begin_, end_)
    std::size_t end_ = 0;
    iconv_t converter_;
    bool input_ended_ = false;
    bool needs_more_input_ = false;
    bool started_ = false;
    bool passthrough_ = false;
};

} // namespace

input_encoding parse_input_encoding(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (lower == "utf-8" || lower == "utf8") return input_encoding::utf8;
    // GBK is a subset of GB18030: a GBK file is read correctly as GB18030.
    if (lower == "gb18030" || lower == "gbk") return input_encoding::gb18030;
    throw parameter_error("encoding", "unknown encoding '" + std::string(name) +
                                          "' (expected utf-8, gb18030 or gbk)");
}

std::string_view input_encoding_name(input_encoding encoding) noexcept {
    return encoding == input_encoding::gb18030 ? "gb18030" : "utf-8";
}

const char* invalid_text_reason(input_encoding encoding) noexcept {
    return encoding == input_encoding::gb18030 ? "bytes not valid in GB18030" : "invalid UTF-8";
}

std::optional<std::string> gb18030_to_utf8(std::string_view bytes) {
    const iconv_t converter = iconv_open("UTF-8", "GB18030");
    if (converter == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
    // A GB18030 character of 1, 2 or 4 bytes is at most 4 UTF-8 bytes.
    std::string text(bytes.size() * 2 + 4, '\0');
    char* in = const_cast<char*>(bytes.data()); // iconv's signature; it does not write there
    std::size_t in_left = bytes.size();
    char* out = text.data();
    std::size_t out_left = text.size();
    const std::size_t result = iconv(converter, &in, &in_left, &out, &out_left);
    const bool whole = result != static_cast<std::size_t>(-1) && in_left == 0 &&
                       iconv(converter, nullptr, nullptr, &out, &out_left) == 0;
    iconv_close(converter);
    if (!whole) return std::nullopt;
    text.resize(text.size() - out_left);
    return text;
}

compression detect_compression(const std::filesystem::path& path) {
    const std::string name = path.string();
    file_source file(path, name);
    return compression_of_head(file.head());
}

bool needs_decoding(const std::filesystem::path& path, input_encoding encoding) {
    return encoding != input_encoding::utf8 || detect_compression(path) != compression::none;
}

/// The stages, file first, and the get area the last one fills.
class decoded_input::decoding_buffer final : public std::streambuf {
public:
    decoding_buffer(const std::filesystem::path& path, input_encoding encoding,
                    std::size_t buffer_bytes)
        : name_(path.string()), file_(path, name_), compression_(compression_of_head(file_.head())),
          text_(std::max(buffer_bytes, min_buffer_bytes)) {
        const std::size_t stage_bytes = text_.size();
        byte_source* last = &file_;
        if (compression_ == compression::gzip)
            decompressor_ = std::make_unique<gzip_source>(*last, name_, stage_bytes);
        else if (compression_ == compression::zstd)
            decompressor_ = std::make_unique<zstd_source>(*last, name_, stage_bytes);
        if (decompressor_) last = decompressor_.get();
        if (encoding == input_encoding::gb18030) {
            transcoder_ = std::make_unique<gb18030_source>(*last, name_, stage_bytes);
            last = transcoder_.get();
        }
        last_ = last;
    }

    const std::string& name() const noexcept { return name_; }
    compression detected_compression() const noexcept { return compression_; }
    std::uint64_t raw_bytes_read() const noexcept { return file_.bytes_read(); }
    void set_digest(sha256* digest) noexcept { file_.set_digest(digest); }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        const std::size_t got = last_->read(text_);
        if (got == 0) return traits_type::eof();
        setg(text_.data(), text_.data(), text_.data() + got);
        return traits_type::to_int_type(*gptr());
    }

private:
    std::string name_;
    file_source file_;
    compression compression_;
    std::vector<char> text_;
    std::unique_ptr<byte_source> decompressor_;
    std::unique_ptr<byte_source> transcoder_;
    byte_source* last_ = nullptr;
};

decoded_input::decoded_input(const std::filesystem::path& path, input_encoding encoding,
                             std::size_t buffer_bytes)
    : std::istream(nullptr),
      buffer_(std::make_unique<decoding_buffer>(path, encoding, buffer_bytes)) {
    rdbuf(buffer_.get());
    // std::istream catches what the buffer throws and sets badbit; with badbit
    // in the mask it rethrows the buffer's io_error, which names the file and
    // the fault, instead of leaving the caller a bare failed stream.
    exceptions(std::ios::badbit);
}

decoded_input::~decoded_input() = default;

compression decoded_input::detected_compression() const noexcept {
    return buffer_->detected_compression();
}

std::uint64_t decoded_input::raw_bytes_read() const noexcept {
    return buffer_->raw_bytes_read();
}

void decoded_input::set_digest(sha256* digest) noexcept {
    buffer_->set_digest(digest);
}

const std::string& decoded_input::source_name() const noexcept {
    return buffer_->name();
}

} // namespace ctrace
