// The compiled half of the Python module `ctrace` (`ctrace._ctrace`): the
// library's dataset, traces and writers behind a small interface that the
// pure-Python half (ctrace/__init__.py) turns into DataFrames. Everything
// here calls the library's workflows (workflow/pipeline.hpp); nothing traces
// or formats on its own.
//
// Ids are bytes to the library and `str` to Python: they are decoded as
// UTF-8 with `surrogateescape`, so that an id that is not valid UTF-8 comes
// back as the same bytes when Python hands it in again.

#include "ctrace/analytics/clusters.hpp"
#include "ctrace/analytics/place_rank.hpp"
#include "ctrace/analytics/risk_places.hpp"
#include "ctrace/analytics/zones.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/column_table.hpp"
#include "ctrace/io/decoded_input.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/tracing/meetings.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "ctrace/workflow/pipeline.hpp"

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace py = pybind11;
using namespace py::literals;

namespace {

using ctrace::duration;
using ctrace::time_point;

/// Stands for an empty time in the int64 columns handed to Python: numpy's
/// NaT, so that a column viewed as datetime64 is NaT there.
constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

// ---- ids and text ---------------------------------------------------------

/// Library bytes as Python text (see the file comment).
py::str text_of(std::string_view bytes) {
    PyObject* text = PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()),
                                          "surrogateescape");
    if (text == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(text);
}

/// Python text (or bytes) as library bytes: the inverse of `text_of`.
std::string bytes_of(py::handle value, const char* what) {
    if (PyBytes_Check(value.ptr())) return std::string(py::reinterpret_borrow<py::bytes>(value));
    if (!PyUnicode_Check(value.ptr()))
        throw py::type_error(std::string(what) + ": expected str, not " +
                             std::string(py::str(py::type::handle_of(value).attr("__name__"))));
    PyObject* encoded = PyUnicode_AsEncodedString(value.ptr(), "utf-8", "surrogateescape");
    if (encoded == nullptr) throw py::error_already_set();
    const py::bytes bytes = py::reinterpret_steal<py::bytes>(encoded);
    return std::string(bytes);
}

/// Every id of `ids` as text, once each (rows refer to them by index).
std::vector<py::str> texts_of(const ctrace::id_table& ids) {
    std::vector<py::str> texts;
    texts.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        texts.push_back(text_of(ids[static_cast<ctrace::id_table::index_type>(i)]));
    return texts;
}

/// A 1-D numpy array that owns a copy of `values`.
template <class T>
py::array_t<T> array_of(const std::vector<T>& values) {
    py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
    std::copy(values.begin(), values.end(), array.mutable_data());
    return array;
}

// ---- errors ---------------------------------------------------------------

/// ctrace.InputError (a ValueError) and ctrace.OutputError (an OSError),
/// made once at import; never freed (they live as long as the interpreter).
PyObject* input_error_type = nullptr;
PyObject* output_error_type = nullptr;

/// Raises `type(message)` with `attributes` set on the exception.
void set_error(PyObject* type, const std::string& message, const py::dict& attributes) {
    py::object error = py::reinterpret_borrow<py::object>(type)(text_of(message));
    for (const auto& [name, value] : attributes)
        py::setattr(error, name, value);
    PyErr_SetObject(type, error.ptr());
}

void translate_errors(std::exception_ptr thrown) {
    try {
        if (thrown) std::rethrow_exception(thrown);
    } catch (const ctrace::bad_rows_error& e) {
        // The message names every kept row, as the command line prints them.
        std::string message = e.report();
        while (!message.empty() && message.back() == '\n')
            message.pop_back();
        py::list rows;
        for (const ctrace::bad_row& row : e.rows())
            rows.append(py::make_tuple(row.line, text_of(row.reason)));
        py::dict attributes("file"_a = text_of(e.file()), "rows"_a = rows, "total"_a = e.total());
        if (!e.rows().empty()) {
            attributes["line"] = e.rows().front().line;
            attributes["reason"] = text_of(e.rows().front().reason);
        }
        set_error(input_error_type, message, attributes);
    } catch (const ctrace::parameter_error& e) {
        set_error(input_error_type, e.what(),
                  py::dict("parameter"_a = e.parameter(), "reason"_a = text_of(e.what())));
    } catch (const ctrace::input_error& e) {
        set_error(input_error_type, e.what(), py::dict("reason"_a = text_of(e.what())));
    } catch (const ctrace::output_error& e) {
        set_error(output_error_type, e.what(),
                  py::dict("filename"_a = text_of(e.target()), "target"_a = text_of(e.target()),
                           "reason"_a = text_of(e.reason())));
    } catch (const ctrace::error& e) {
        PyErr_SetObject(PyExc_RuntimeError, text_of(e.what()).ptr());
    }
}

// ---- option values ----------------------------------------------------------

/// Runs `parse` on an option's value; a library error becomes a ValueError
/// naming the keyword.
template <class Parse>
auto parsed(const char* keyword, Parse parse) {
    try {
        return parse();
    } catch (const ctrace::input_error& e) {
        throw py::value_error(std::string(keyword) + ": " + e.what());
    }
}

/// A duration given as text (`15m`) or whole seconds.
duration duration_of(const char* keyword, py::handle value) {
    if (PyLong_Check(value.ptr())) {
        const auto seconds = value.cast<std::int64_t>();
        if (seconds < 0) throw py::value_error(std::string(keyword) + ": must not be negative");
        return seconds;
    }
    const std::string text = bytes_of(value, keyword);
    return parsed(keyword, [&] { return ctrace::parse_duration(text); });
}

/// A list of durations by hop, given as text (`7d,7d`) or whole seconds.
ctrace::hop_durations hop_durations_of(const char* keyword, py::handle value) {
    if (PyLong_Check(value.ptr())) return ctrace::hop_durations(duration_of(keyword, value));
    const std::string text = bytes_of(value, keyword);
    return parsed(keyword, [&] { return ctrace::parse_hop_durations(text); });
}

ctrace::utc_offset offset_of(const char* keyword, py::handle value) {
    const std::string text = bytes_of(value, keyword);
    return parsed(keyword, [&] { return ctrace::parse_utc_offset(text); });
}

/// A time given as text (read in `tz` when it has no offset) or epoch seconds.
time_point time_of(const char* keyword, py::handle value, ctrace::utc_offset tz) {
    if (PyLong_Check(value.ptr())) return value.cast<std::int64_t>();
    const std::string text = bytes_of(value, keyword);
    return parsed(keyword, [&] { return ctrace::parse_time(text, tz); });
}

std::string text_option(const py::dict& options, const char* keyword) {
    return bytes_of(options[keyword], keyword);
}

// ---- scans given as columns ---------------------------------------------------

/// A `scan_table` of a DataFrame's columns, and the bytes of the ids that
/// Python does not hold as UTF-8 (ids with `surrogateescape` bytes, values
/// that are not text). The other views point into the Python objects, which
/// the caller keeps alive until the read is over.
struct python_scan_table : ctrace::scan_table {
    std::deque<std::string> own_bytes;
};

/// The UTF-8 bytes of `value` as a view: into the str's own UTF-8 (cached in
/// the object by Python) or the bytes object, else into `table.own_bytes`.
/// Missing values (None, NaN, `missing`) are empty. Other values are their
/// `str()`, but in a time column a real number is its whole seconds.
std::string_view view_of_value(PyObject* value, PyObject* missing, python_scan_table& table,
                               const char* column, bool time) {
    if (PyUnicode_Check(value)) {
        Py_ssize_t size = 0;
        if (const char* utf8 = PyUnicode_AsUTF8AndSize(value, &size))
            return {utf8, static_cast<std::size_t>(size)};
        PyErr_Clear(); // lone surrogates: the bytes `surrogateescape` stands for
        return table.own_bytes.emplace_back(bytes_of(py::handle(value), column));
    }
    if (PyBytes_Check(value))
        return {PyBytes_AS_STRING(value), static_cast<std::size_t>(PyBytes_GET_SIZE(value))};
    if (value == Py_None || value == missing ||
        (PyFloat_Check(value) && std::isnan(PyFloat_AS_DOUBLE(value))))
        return {};
    if (time && PyFloat_Check(value))
        return table.own_bytes.emplace_back(
            std::to_string(static_cast<std::int64_t>(std::floor(PyFloat_AS_DOUBLE(value)))));
    return table.own_bytes.emplace_back(bytes_of(py::str(py::handle(value)), column));
}

/// The views of a text column given as ("objects", object array) or
/// ("category", codes, categories).
std::vector<std::string_view> views_of(const py::tuple& spec, PyObject* missing,
                                       python_scan_table& table, const char* column, bool time) {
    const std::string form = spec[0].cast<std::string>();
    const auto objects_of = [](const py::handle array) {
        const auto objects = py::reinterpret_borrow<py::array>(array);
        if (objects.dtype().kind() != 'O' || objects.ndim() != 1)
            throw py::type_error("expected a 1-D object array");
        return objects;
    };
    std::vector<std::string_view> views;
    if (form == "objects") {
        const py::array objects = objects_of(spec[1]);
        const auto n = static_cast<std::size_t>(objects.shape(0));
        const auto stride = objects.strides(0) / static_cast<py::ssize_t>(sizeof(PyObject*));
        auto* const* items = static_cast<PyObject* const*>(objects.data());
        views.resize(n);
        // Most ids are ASCII str objects, whose bytes sit right after the
        // object's header: threads read those (only reading memory of
        // objects this array holds, while this thread keeps the GIL, so no
        // Python code runs), and mark the rest for the C API, here, after.
        std::vector<std::uint8_t> other(n, 0);
        const unsigned threads =
            n < (std::size_t{1} << 16)
                ? 1u
                : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
        const auto read_ascii = [&](unsigned t) {
            const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
            for (std::size_t k = begin; k < end; ++k) {
                PyObject* value = items[static_cast<py::ssize_t>(k) * stride];
                if (PyUnicode_Check(value) && PyUnicode_IS_COMPACT_ASCII(value))
                    views[k] = {static_cast<const char*>(PyUnicode_DATA(value)),
                                static_cast<std::size_t>(PyUnicode_GET_LENGTH(value))};
                else
                    other[k] = 1;
            }
        };
        std::vector<std::thread> helpers;
        for (unsigned t = 1; t < threads; ++t)
            helpers.emplace_back(read_ascii, t);
        read_ascii(0);
        for (std::thread& helper : helpers)
            helper.join();
        for (std::size_t k = 0; k < n; ++k)
            if (other[k])
                views[k] = view_of_value(items[static_cast<py::ssize_t>(k) * stride], missing,
                                         table, column, time);
        return views;
    }
    if (form == "category") {
        const auto codes =
            spec[1].cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
        const py::array categories = objects_of(spec[2]);
        const auto stride = categories.strides(0) / static_cast<py::ssize_t>(sizeof(PyObject*));
        auto* const* items = static_cast<PyObject* const*>(categories.data());
        std::vector<std::string_view> names(static_cast<std::size_t>(categories.shape(0)));
        for (std::size_t c = 0; c < names.size(); ++c)
            names[c] = view_of_value(items[static_cast<py::ssize_t>(c) * stride], missing, table,
                                     column, time);
        const std::int64_t* code = codes.data();
        views.resize(static_cast<std::size_t>(codes.size()));
        for (std::size_t k = 0; k < views.size(); ++k)
            if (code[k] >= 0) views[k] = names.at(static_cast<std::size_t>(code[k]));
        return views;
    }
    throw py::value_error(std::string(column) + ": unknown column form " + form);
}

/// A time column given as ("seconds", int64 array, local) or as text (the
/// forms of `views_of`).
ctrace::scan_table::times times_of(const py::tuple& spec, PyObject* missing,
                                   python_scan_table& table, const char* column) {
    ctrace::scan_table::times times;
    if (spec[0].cast<std::string>() == "seconds") {
        const auto seconds =
            spec[1].cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
        times.seconds.assign(seconds.data(), seconds.data() + seconds.size());
        times.local = spec[2].cast<bool>();
        return times;
    }
    times.texts = views_of(spec, missing, table, column, true);
    return times;
}

/// The scan table of `columns` (a dict of the column specs that
/// ctrace/__init__.py makes of a DataFrame), named `name`.
std::shared_ptr<python_scan_table> scan_table_of(const py::dict& columns, const std::string& name,
                                                 const py::object& missing) {
    auto table = std::make_shared<python_scan_table>();
    table->name = name;
    table->persons =
        views_of(columns["person"].cast<py::tuple>(), missing.ptr(), *table, "person", false);
    table->places =
        views_of(columns["place"].cast<py::tuple>(), missing.ptr(), *table, "place", false);
    table->time = times_of(columns["time"].cast<py::tuple>(), missing.ptr(), *table, "time");
    if (columns.contains("leave"))
        table->leave = times_of(columns["leave"].cast<py::tuple>(), missing.ptr(), *table, "leave");
    return table;
}

// ---- the dataset ------------------------------------------------------------

/// What a Python `Dataset` holds: the data, read once and never changed
/// after, so that any number of threads may trace it at once.
struct python_dataset {
    ctrace::traceable_data traceable;
    /// The key the person ids were pseudonymised with (cases are looked up
    /// by their pseudonyms), and the layout of times (the cases' too).
    std::shared_ptr<const ctrace::pseudonymizer> pseudonyms;
    std::optional<ctrace::time_format> time_layout;

    const ctrace::dataset& data() const noexcept { return traceable.data(); }
};

/// Reads the data as `load_data` does, without the GIL.
std::unique_ptr<python_dataset> open_dataset(const ctrace::data_source& source) {
    auto opened = std::make_unique<python_dataset>();
    opened->pseudonyms = source.scans.pseudonyms;
    opened->time_layout = source.scans.read.time_layout;
    {
        py::gil_scoped_release unlocked;
        opened->traceable = ctrace::make_traceable(ctrace::load_data(source));
    }
    return opened;
}

/// The data source the keywords of `Dataset.__init__` name (see ctrace.load).
ctrace::data_source source_of(const py::list& scans, const py::object& scan_frame,
                              const std::string& scans_name, const py::object& places,
                              const py::object& snapshot, const py::object& store,
                              const py::object& tz, const py::object& dwell, bool skip_bad,
                              const py::object& stay_end, const std::string& contact_level,
                              int threads, const py::dict& reading) {
    ctrace::data_source source;
    const auto given = [&](const char* keyword) {
        return reading.contains(keyword) && !reading[keyword].is_none();
    };
    const auto text = [&](const char* keyword) { return bytes_of(reading[keyword], keyword); };
    // The key applies to a snapshot's ids as well (load_data).
    if (given("pseudonymize")) {
        const std::string key = text("pseudonymize");
        source.scans.pseudonyms = std::make_shared<const ctrace::pseudonymizer>(
            parsed("pseudonymize", [&] { return ctrace::pseudonymizer::from_key_file(key); }));
    }
    source.level =
        parsed("contact_level", [&] { return ctrace::parse_contact_level(contact_level); });
    if (!stay_end.is_none()) {
        const std::string rule = bytes_of(stay_end, "stay_end");
        source.scans.stay_end = parsed("stay_end", [&] { return ctrace::parse_stay_end(rule); });
    }
    source.scans.digests = false; // no provenance is written from Python (yet)
    if (!store.is_none()) {
        const std::string folder = bytes_of(store, "store");
        source.store = folder;
        source.snapshot = ctrace::store_snapshot_path(folder);
        return source;
    }
    if (!snapshot.is_none()) {
        source.snapshot = bytes_of(snapshot, "snapshot");
        return source;
    }
    ctrace::ingest_options& ingest = source.scans;
    for (const py::handle path : scans)
        ingest.scans.emplace_back(bytes_of(path, "scans"));
    if (!scan_frame.is_none())
        ingest.scan_tables.push_back(scan_table_of(scan_frame.cast<py::dict>(), scans_name,
                                                   py::module_::import("pandas").attr("NA")));
    if (!places.is_none()) ingest.places = bytes_of(places, "places");
    if (!tz.is_none()) ingest.read.tz = offset_of("tz", tz);
    if (!dwell.is_none()) ingest.read.default_dwell = duration_of("dwell", dwell);
    ingest.read.skip_bad = skip_bad;
    // The reading options of the command line (docs/python.md).
    const auto columns = [&](const char* keyword, std::span<const std::string_view> known) {
        const std::string map = text(keyword);
        return parsed(keyword, [&] { return ctrace::column_names::parse(map, known, keyword); });
    };
    const auto encoding = [&](const char* keyword) {
        const std::string name = text(keyword);
        return parsed(keyword, [&] { return ctrace::parse_input_encoding(name); });
    };
    if (given("scan_columns"))
        ingest.read.columns = columns("scan_columns", ctrace::scans_file_columns);
    if (given("place_columns"))
        ingest.place_format.columns = columns("place_columns", ctrace::places_file_columns);
    if (given("encoding"))
        ingest.read.encoding = ingest.place_format.encoding = encoding("encoding");
    if (given("scans_encoding")) ingest.read.encoding = encoding("scans_encoding");
    if (given("places_encoding")) ingest.place_format.encoding = encoding("places_encoding");
    if (given("time_format")) {
        const std::string layout = text("time_format");
        ingest.read.time_layout =
            parsed("time_format", [&] { return ctrace::time_format::compile(layout); });
    }
    if (given("max_row_bytes")) {
        const auto bytes = reading["max_row_bytes"].cast<std::int64_t>();
        if (bytes < static_cast<std::int64_t>(ctrace::min_max_row_bytes) ||
            bytes > static_cast<std::int64_t>(ctrace::max_max_row_bytes))
            throw py::value_error("max_row_bytes: must be between " +
                                  std::to_string(ctrace::min_max_row_bytes) + " and " +
                                  std::to_string(ctrace::max_max_row_bytes));
        ingest.read.max_row_bytes = ingest.place_format.max_row_bytes =
            static_cast<std::size_t>(bytes);
    }
    if (given("progress")) {
        // Told the bytes (or a table's rows) read so far, from the thread
        // that interns them; a failing callback is reported, not raised.
        auto callback = std::make_shared<py::object>(reading["progress"]);
        ingest.read.progress = [callback](std::uint64_t done) {
            py::gil_scoped_acquire locked;
            try {
                (*callback)(done);
            } catch (py::error_already_set& e) {
                e.discard_as_unraisable("ctrace progress callback");
            }
        };
    }
    if (threads < 0 || threads > 1024)
        throw py::value_error("threads: must be between 0 (one per core) and 1024, not " +
                              std::to_string(threads));
    ingest.read.threads = static_cast<unsigned>(threads);
    return source;
}

/// The trace request of the keywords given to `Dataset.trace` (`options`
/// holds only those given: a profile leaves them as they are, as on the
/// command line), in the trace's zone `tz`.
ctrace::trace_request request_of(const python_dataset& self, const py::dict& options,
                                 ctrace::utc_offset tz,
                                 ctrace::given_parameters* given_out = nullptr) {
    ctrace::trace_request request;
    request.tz = tz;
    request.digest = false;
    request.pseudonyms = self.pseudonyms;
    request.time_layout = self.time_layout;
    if (options.contains("case_columns") && !options["case_columns"].is_none()) {
        const std::string map = bytes_of(options["case_columns"], "case_columns");
        request.columns = parsed("case_columns", [&] {
            return ctrace::column_names::parse(map, ctrace::cases_file_columns, "case_columns");
        });
    }
    if (options.contains("cases_encoding") && !options["cases_encoding"].is_none()) {
        const std::string name = bytes_of(options["cases_encoding"], "cases_encoding");
        request.encoding =
            parsed("cases_encoding", [&] { return ctrace::parse_input_encoding(name); });
    }
    ctrace::trace_parameters& parameters = request.parameters;
    ctrace::given_parameters given;
    const auto has = [&](const char* keyword) {
        return options.contains(keyword) && !options[keyword].is_none();
    };
    const auto note = [&](const char* keyword, ctrace::profile_parameter parameter) {
        if (!has(keyword)) return false;
        given.insert(parameter);
        return true;
    };
    using ctrace::profile_parameter;
    if (note("min_overlap", profile_parameter::min_overlap))
        parameters.min_overlap = duration_of("min_overlap", options["min_overlap"]);
    if (note("linger", profile_parameter::linger))
        parameters.linger = duration_of("linger", options["linger"]);
    if (note("hops", profile_parameter::hops)) {
        const auto hops = options["hops"].cast<std::int64_t>();
        if (hops < 0 || hops > 1'000'000)
            throw py::value_error("hops: must be between 0 and 1000000, not " +
                                  std::to_string(hops));
        parameters.hops = static_cast<std::uint32_t>(hops);
    }
    if (has("latency")) parameters.latency = duration_of("latency", options["latency"]);
    if (has("until")) parameters.until = time_of("until", options["until"], tz);
    if (note("quarantine", profile_parameter::quarantine))
        parameters.quarantine = hop_durations_of("quarantine", options["quarantine"]);
    if (note("monitoring", profile_parameter::monitoring))
        parameters.monitoring = hop_durations_of("monitoring", options["monitoring"]);
    if (note("lookback", profile_parameter::lookback))
        request.lookback = duration_of("lookback", options["lookback"]);
    if (has("profile")) {
        const std::string name = text_option(options, "profile");
        const ctrace::protocol_profile* profile =
            parsed("profile", [&] { return &ctrace::find_profile(name); });
        ctrace::apply_profile(*profile, given, parameters);
        request.lookback = ctrace::profile_lookback(*profile, given, request.lookback);
    }
    if (given_out != nullptr) *given_out = given;
    return request;
}

/// A column of times: epoch seconds, `no_time` where empty.
using time_column = std::vector<std::int64_t>;

/// A 1-D numpy object array of `n` Nones, for `set_object` to fill.
py::array object_array(std::size_t n) {
    return py::module_::import("numpy").attr("empty")(n, "dtype"_a = "O");
}

/// Puts `value` at `k` of an array from `object_array`.
void set_object(py::array& array, std::size_t k, const py::handle value) {
    auto** items = static_cast<PyObject**>(array.mutable_data());
    Py_XDECREF(items[k]);
    items[k] = value.inc_ref().ptr();
}

/// An object array of the texts `of(k)` picks for each of `n` rows (None
/// where it gives a null handle): each row refers to the one str of its id.
template <class Of>
py::array texts_column(std::size_t n, Of of) {
    py::array array = object_array(n);
    for (std::size_t k = 0; k < n; ++k) {
        const py::handle text = of(k);
        set_object(array, k, text ? text : py::none());
    }
    return array;
}

/// The columns of a trace, for the DataFrames of ctrace/__init__.py: ids as
/// object arrays of str (each id made into a str once), times as int64
/// epoch seconds (`no_time` where empty), counts as int64.
py::dict columns_of(const ctrace::named_trace& run, bool with_companions) {
    const std::vector<py::str> persons = texts_of(run.persons);
    const std::vector<py::str> places = texts_of(run.places);
    const ctrace::trace_result& result = run.record.result;
    const std::vector<ctrace::risk_entry>& entries = result.entries;
    const std::size_t n = entries.size();
    std::vector<std::int64_t> hop(n), exposure_seconds(n);
    time_column first(n, no_time), last(n, no_time), quarantine(n, no_time), monitor(n, no_time);
    const py::str red(std::string(ctrace::health_code(1)));
    const py::str yellow(std::string(ctrace::health_code(2)));
    for (std::size_t k = 0; k < n; ++k) {
        const ctrace::risk_entry& e = entries[k];
        hop[k] = e.hop;
        // What the risk list writes: index cases have no exposure.
        exposure_seconds[k] = e.hop > 0 ? e.exposure_seconds : 0;
        if (e.hop > 0) {
            first[k] = e.first_exposure;
            last[k] = e.last_exposure;
            quarantine[k] = e.quarantine_until;
            if (result.monitoring) monitor[k] = e.monitor_until;
        }
    }
    const auto is_red = [&](std::size_t k) {
        return ctrace::health_code(entries[k].hop) == ctrace::health_code(1);
    };
    py::dict risk(
        "person"_a = texts_column(n, [&](std::size_t k) { return persons[entries[k].person]; }),
        "hop"_a = array_of(hop),
        "code"_a = texts_column(n, [&](std::size_t k) { return is_red(k) ? red : yellow; }),
        "first_exposure"_a = array_of(first), "last_exposure"_a = array_of(last),
        "quarantine_until"_a = array_of(quarantine),
        "exposure_seconds"_a = array_of(exposure_seconds),
        "via_person"_a = texts_column(n,
                                      [&](std::size_t k) {
                                          return entries[k].hop > 0
                                                     ? py::handle(persons[entries[k].via_person])
                                                     : py::handle();
                                      }),
        "via_place"_a = texts_column(n, [&](std::size_t k) {
            return entries[k].hop > 0 ? py::handle(places[entries[k].via_place]) : py::handle();
        }));
    if (result.monitoring) risk["monitor_until"] = array_of(monitor);

    py::list unscanned;
    for (const ctrace::person_index p : result.cases_without_stays)
        unscanned.append(persons[p]);
    py::dict out("risk"_a = risk, "tz"_a = run.record.tz.seconds,
                 "cases_without_stays"_a = unscanned,
                 "qualifying_events"_a = result.qualifying_events);
    if (!with_companions) return out;

    const std::vector<ctrace::companion>& companions = run.companions;
    const std::size_t m = companions.size();
    time_column first_time(m), last_time(m);
    std::vector<std::int64_t> cases(m);
    for (std::size_t k = 0; k < m; ++k) {
        first_time[k] = companions[k].first_time;
        last_time[k] = companions[k].last_time;
        cases[k] = companions[k].cases;
    }
    out["companions"] = py::dict(
        "person"_a = texts_column(m, [&](std::size_t k) { return persons[companions[k].person]; }),
        "code"_a = texts_column(m, [&](std::size_t) { return yellow; }),
        "first_time"_a = array_of(first_time), "last_time"_a = array_of(last_time),
        "cases"_a = array_of(cases),
        "via_person"_a =
            texts_column(m, [&](std::size_t k) { return persons[companions[k].via_person]; }),
        "via_place"_a =
            texts_column(m, [&](std::size_t k) { return places[companions[k].via_place]; }));
    return out;
}

/// Where a query's index cases come from: a file, or CSV text made from a
/// DataFrame (named `name` in messages).
struct cases_input {
    std::optional<std::string> path;
    std::optional<std::string> text;
    std::string name;
};

cases_input cases_input_of(const py::object& path, const py::object& text,
                           const std::string& name) {
    cases_input input;
    input.name = name;
    if (!text.is_none())
        input.text = bytes_of(text, "cases");
    else
        input.path = bytes_of(path, "cases");
    return input;
}

/// Reads the cases of `input` (call without the GIL).
ctrace::prepared_cases read_cases(ctrace::trace_request request, const cases_input& input) {
    if (input.text) {
        std::istringstream in(*input.text);
        return ctrace::read_index_cases(request, in, input.name);
    }
    request.cases = *input.path;
    return ctrace::read_index_cases(request);
}

/// The zone of a query: the `tz` keyword, else the data's.
ctrace::utc_offset query_tz(const python_dataset& self, const py::dict& options) {
    return options.contains("tz") && !options["tz"].is_none() ? offset_of("tz", options["tz"])
                                                              : self.data().parameters.tz;
}

/// `Dataset._trace`: reads the cases (a file, or CSV text in memory), traces
/// without the GIL and gives the columns.
py::dict trace_dataset(const python_dataset& self, const py::object& cases_path,
                       const py::object& cases_text, const std::string& cases_name,
                       const py::dict& options, const py::object& companion_window) {
    const ctrace::trace_request request = request_of(self, options, query_tz(self, options));
    std::optional<ctrace::companion_parameters> companions;
    if (!companion_window.is_none())
        companions = ctrace::companion_parameters{duration_of("window", companion_window)};
    const cases_input input = cases_input_of(cases_path, cases_text, cases_name);
    ctrace::named_trace run;
    {
        py::gil_scoped_release unlocked;
        const ctrace::prepared_cases prepared = read_cases(request, input);
        run = ctrace::trace_loaded(self.traceable, prepared, companions ? &*companions : nullptr);
    }
    return columns_of(run, companions.has_value());
}

// ---- lists as tables --------------------------------------------------------

const char* kind_name(ctrace::column_kind kind) {
    switch (kind) {
    case ctrace::column_kind::text:
        return "text";
    case ctrace::column_kind::integer:
        return "integer";
    case ctrace::column_kind::time:
        return "time";
    case ctrace::column_kind::number:
        return "number";
    case ctrace::column_kind::blank:
        break;
    }
    return "blank";
}

/// A table's columns for ctrace/__init__.py: (name, kind, values, blank, tz)
/// each. Text values are a list of str (None where blank); integers and
/// times int64 arrays (times `no_time` where blank), numbers float64 (NaN);
/// `blank` a bool array; `tz` the seconds east of UTC of a time column.
py::list table_of(ctrace::column_table&& table) {
    py::list columns;
    for (ctrace::table_column& column : table.release_columns()) {
        const std::size_t rows = column.rows();
        py::array_t<bool> blank(static_cast<py::ssize_t>(rows));
        std::copy(column.blank.begin(), column.blank.end(), blank.mutable_data());
        py::object values;
        switch (column.kind) {
        case ctrace::column_kind::text: {
            py::list texts;
            for (std::size_t r = 0; r < rows; ++r)
                texts.append(column.blank[r] ? py::object(py::none())
                                             : py::object(text_of(column.text(r))));
            values = texts;
            break;
        }
        case ctrace::column_kind::time:
            for (std::size_t r = 0; r < rows; ++r)
                if (column.blank[r]) column.integers[r] = no_time;
            values = array_of(column.integers);
            break;
        case ctrace::column_kind::integer:
            values = array_of(column.integers);
            break;
        case ctrace::column_kind::number:
            values = array_of(column.numbers);
            break;
        case ctrace::column_kind::blank: {
            py::list nones;
            for (std::size_t r = 0; r < rows; ++r)
                nones.append(py::none());
            values = nones;
        } break;
        }
        columns.append(
            py::make_tuple(column.name, kind_name(column.kind), values, blank, column.tz.seconds));
    }
    return columns;
}

/// Fills `into` with `write(table)` and hands it to Python.
template <class Write>
py::list table_from(Write write) {
    ctrace::column_table table;
    write(table);
    return table_of(std::move(table));
}

/// A count keyword: a whole number in [least, most].
std::int64_t count_of(const char* keyword, const py::handle value, std::int64_t least,
                      std::int64_t most) {
    if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()))
        throw py::type_error(std::string(keyword) + ": expected an integer");
    const auto n = value.cast<std::int64_t>();
    if (n < least || n > most)
        throw py::value_error(std::string(keyword) + ": must be between " + std::to_string(least) +
                              " and " + std::to_string(most) + ", not " + std::to_string(n));
    return n;
}

bool has_value(const py::dict& options, const char* keyword) {
    return options.contains(keyword) && !options[keyword].is_none();
}

/// The cases without stays of `attached` (by their ids), for the warnings.
py::list cases_without_stays(const ctrace::attached_cases& attached) {
    py::list absent;
    for (const ctrace::index_case& c : attached.record.cases)
        if (!ctrace::has_stays(attached.graph(), c.person))
            absent.append(text_of(attached.persons()[c.person]));
    return absent;
}

/// `Dataset._places`, `_clusters`, `_zones`, `_sources`, `_explain`: the
/// lists of `ctrace places`, `clusters`, `zones`, `sources` and `explain` on
/// the loaded data, as tables by name. `options` holds the keywords given;
/// `extra` the command's own.
py::dict query_dataset(const python_dataset& self, const std::string& query,
                       const py::object& cases_path, const py::object& cases_text,
                       const std::string& cases_name, const py::dict& options,
                       const py::dict& extra) {
    const ctrace::utc_offset tz = query_tz(self, options);
    ctrace::given_parameters given;
    ctrace::trace_request request = request_of(self, options, tz, &given);
    const cases_input input = cases_input_of(cases_path, cases_text, cases_name);
    const ctrace::dataset& data = self.data();
    py::dict tables;

    if (query == "places") {
        std::vector<ctrace::risk_place> rows;
        std::optional<ctrace::attached_cases> attached;
        {
            py::gil_scoped_release unlocked;
            attached = ctrace::attach_cases(self.traceable, read_cases(request, input));
            rows = ctrace::find_risk_places(data.stays, attached->graph(), attached->persons(),
                                            data.places, attached->record.cases,
                                            attached->record.parameters);
        }
        tables["places"] = table_from(
            [&](ctrace::column_table& t) { ctrace::write_risk_places(t, rows, data.places, tz); });
        tables["cases_without_stays"] = cases_without_stays(*attached);
        return tables;
    }
    if (query == "clusters") {
        std::optional<ctrace::cluster_result> result;
        std::optional<ctrace::attached_cases> attached;
        {
            py::gil_scoped_release unlocked;
            attached = ctrace::attach_cases(self.traceable, read_cases(request, input));
            result = ctrace::find_clusters(data.stays, attached->graph(), attached->persons(),
                                           data.places, attached->record.cases,
                                           attached->record.parameters);
        }
        tables["clusters"] = table_from([&](ctrace::column_table& t) {
            ctrace::write_clusters(t, *result, attached->persons());
        });
        tables["summary"] = table_from([&](ctrace::column_table& t) {
            ctrace::write_cluster_summary(t, *result, attached->persons(), data.places);
        });
        tables["cases_without_stays"] = cases_without_stays(*attached);
        return tables;
    }
    if (query == "zones") {
        if (data.parameters.level != ctrace::contact_level::code)
            throw py::value_error("zones work at contact level code only (a district is the "
                                  "district of the code scanned)");
        if (!data.place_info.has_district)
            throw ctrace::input_error("the places of this dataset have no 'district' column: "
                                      "zones need the district of each code");
        ctrace::zone_parameters parameters;
        if (has_value(extra, "zone_quiet"))
            parameters.quiet = duration_of("zone_quiet", extra["zone_quiet"]);
        if (has_value(extra, "screening"))
            parameters.screening = duration_of("screening", extra["screening"]);
        std::optional<ctrace::time_point> as_of;
        if (has_value(extra, "as_of")) as_of = time_of("as_of", extra["as_of"], tz);
        std::optional<std::string> residents_path;
        if (has_value(extra, "residents"))
            residents_path = bytes_of(extra["residents"], "residents");
        std::vector<ctrace::zone> rows;
        std::optional<ctrace::attached_cases> attached;
        {
            py::gil_scoped_release unlocked;
            std::vector<ctrace::resident> residents;
            if (residents_path) residents = ctrace::read_residents(*residents_path);
            attached = ctrace::attach_cases(self.traceable, read_cases(request, input));
            std::vector<ctrace::qualifying_event> layer_one;
            const ctrace::trace_result result =
                ctrace::trace(data.stays, attached->graph(), attached->persons(), data.places,
                              attached->record.cases, attached->record.parameters,
                              [&](const ctrace::qualifying_event& e) {
                                  if (e.layer == 1) layer_one.push_back(e);
                              });
            rows = ctrace::find_zones(data.stays, attached->persons(), data.places, data.place_info,
                                      attached->record.cases, result, layer_one, residents,
                                      parameters);
        }
        tables["zones"] = table_from(
            [&](ctrace::column_table& t) { ctrace::write_zone_list(t, rows, tz, as_of); });
        tables["cases_without_stays"] = cases_without_stays(*attached);
        return tables;
    }
    if (query == "sources") {
        request.require_onset = true;
        ctrace::sources_parameters parameters;
        if (has_value(extra, "incubation_min"))
            parameters.incubation_min = duration_of("incubation_min", extra["incubation_min"]);
        if (has_value(extra, "incubation_max"))
            parameters.incubation_max = duration_of("incubation_max", extra["incubation_max"]);
        if (has_value(extra, "min_cases"))
            parameters.min_cases = static_cast<std::uint32_t>(count_of(
                "min_cases", extra["min_cases"], 1, std::numeric_limits<std::uint32_t>::max()));
        parameters.min_overlap = request.parameters.min_overlap;
        parameters.linger = request.parameters.linger;
        if (has_value(options, "profile")) {
            const std::string name = text_option(options, "profile");
            ctrace::apply_profile(ctrace::find_profile(name), given, parameters);
        }
        std::optional<ctrace::sources_result> result;
        std::optional<ctrace::attached_cases> attached;
        {
            py::gil_scoped_release unlocked;
            attached = ctrace::attach_cases(self.traceable, read_cases(request, input));
            parameters.place_min_overlap = attached->record.parameters.place_min_overlap;
            result = ctrace::find_sources(data.stays, attached->persons(), data.places,
                                          attached->record.cases, parameters);
        }
        const ctrace::id_table& persons = attached->persons();
        tables["links"] = table_from([&](ctrace::column_table& t) {
            ctrace::write_case_links(t, *result, persons, data.places, tz);
        });
        tables["common_persons"] = table_from([&](ctrace::column_table& t) {
            ctrace::write_common_persons(t, *result, persons, tz);
        });
        tables["common_places"] = table_from([&](ctrace::column_table& t) {
            ctrace::write_common_places(t, *result, persons, data.places, tz);
        });
        tables["cases_without_stays"] = cases_without_stays(*attached);
        return tables;
    }
    if (query == "explain") {
        std::vector<std::string> asked;
        for (const py::handle person : extra["persons"].cast<py::list>())
            asked.push_back(bytes_of(person, "person"));
        if (asked.empty()) throw py::value_error("person: give at least one listed person");
        const bool meetings = has_value(extra, "meetings") && extra["meetings"].cast<bool>();
        std::vector<ctrace::explanation> chains;
        const std::optional<ctrace::place_names> names = ctrace::place_names_of(data.place_info);
        {
            py::gil_scoped_release unlocked;
            const ctrace::attached_cases attached =
                ctrace::attach_cases(self.traceable, read_cases(request, input));
            const ctrace::trace_result result =
                ctrace::trace(data.stays, attached.graph(), attached.persons(), data.places,
                              attached.record.cases, attached.record.parameters);
            const ctrace::risk_listing listing =
                ctrace::risk_listing_of(result, attached.persons(), data.places, tz);
            chains = ctrace::explain(listing, asked);
            if (meetings) {
                const std::vector<std::string_view> views(asked.begin(), asked.end());
                const std::vector<ctrace::person_meetings> found = ctrace::find_meetings(
                    data.stays, attached.graph(), attached.persons(), data.places,
                    attached.record.cases, attached.record.parameters, views);
                ctrace::add_meetings(chains, found, attached.persons(), data.places);
            }
        }
        ctrace::explanation_writing how;
        how.tz = tz;
        how.format = ctrace::explanation_format::csv;
        how.names = names ? &*names : nullptr;
        how.meetings = meetings;
        tables["explanation"] = table_from(
            [&](ctrace::column_table& t) { ctrace::write_explanations(t, chains, how); });
        return tables;
    }
    throw py::value_error("unknown query " + query);
}

/// `Dataset._rank`: `ctrace rank`'s list.
py::list rank_dataset(const python_dataset& self, const py::dict& options) {
    const ctrace::utc_offset tz = query_tz(self, options);
    ctrace::place_rank_parameters parameters;
    if (has_value(options, "from_")) parameters.from = time_of("from", options["from_"], tz);
    if (has_value(options, "to")) parameters.to = time_of("to", options["to"], tz);
    if (parameters.from >= parameters.to) throw py::value_error("from_ must be before to");
    if (has_value(options, "damping")) {
        parameters.damping = options["damping"].cast<double>();
        if (!(parameters.damping > 0 && parameters.damping < 1))
            throw py::value_error("damping: must be between 0 and 1 (exclusive)");
    }
    const std::int64_t top =
        has_value(options, "top")
            ? count_of("top", options["top"], 0, std::numeric_limits<std::int64_t>::max())
            : ctrace::defaults::top_places;
    const ctrace::dataset& data = self.data();
    ctrace::place_rank_result ranking;
    std::vector<ctrace::place_index> order;
    {
        py::gil_scoped_release unlocked;
        ranking =
            ctrace::rank_places(data.stays, data.persons.size(), data.places.size(), parameters);
        order = ctrace::top_places(ranking, data.places, static_cast<std::size_t>(top));
    }
    return table_from([&](ctrace::column_table& t) {
        ctrace::write_place_ranking(t, ranking, order, data.places);
    });
}

/// A read-only numpy view of `values` kept alive by `owner`.
template <class T>
py::array view_of(const std::vector<T>& values, const py::object& owner) {
    py::array view(py::dtype::of<T>(), {static_cast<py::ssize_t>(values.size())},
                   {static_cast<py::ssize_t>(sizeof(T))}, values.data(), owner);
    view.attr("setflags")("write"_a = false);
    return view;
}

py::list id_list(const ctrace::id_table& ids) {
    py::list list;
    for (std::size_t i = 0; i < ids.size(); ++i)
        list.append(text_of(ids[static_cast<ctrace::id_table::index_type>(i)]));
    return list;
}

// ---- writers ------------------------------------------------------------------

/// Writes `write(stream)` to `path` atomically, as the command line writes
/// its outputs (with a UTF-8 byte-order mark first when `bom`).
template <class Write>
void write_atomically(const std::string& path, bool bom, Write write) {
    py::gil_scoped_release unlocked;
    ctrace::atomic_file file(path);
    if (bom) file.stream() << "\xEF\xBB\xBF";
    write(file.stream());
    file.commit();
}

ctrace::column_kind column_kind_of(const std::string& kind) {
    if (kind == "text") return ctrace::column_kind::text;
    if (kind == "integer") return ctrace::column_kind::integer;
    if (kind == "time") return ctrace::column_kind::time;
    if (kind == "number") return ctrace::column_kind::number;
    if (kind == "blank") return ctrace::column_kind::blank;
    throw py::value_error("unknown column kind " + kind);
}

/// A column handed in by ctrace/__init__.py (the inverse of `table_of`):
/// text as a list of str, bytes or None; integers and times as int64
/// arrays, numbers as float64, each with a bool array of blanks.
ctrace::table_column column_of(const std::string& name, const std::string& kind,
                               const py::handle values, const py::handle blanks, int tz_seconds) {
    ctrace::table_column column;
    column.name = name;
    column.kind = column_kind_of(kind);
    const auto blank = blanks.cast<py::array_t<bool, py::array::c_style | py::array::forcecast>>();
    const auto rows = static_cast<std::size_t>(blank.size());
    column.blank.assign(blank.data(), blank.data() + rows);
    switch (column.kind) {
    case ctrace::column_kind::text: {
        const py::list texts = values.cast<py::list>();
        if (texts.size() != rows) throw py::value_error(name + ": one value per row is needed");
        column.text_offsets.reserve(rows + 1);
        column.text_offsets.push_back(0);
        for (std::size_t r = 0; r < rows; ++r) {
            const py::handle value = texts[r];
            if (value.is_none()) {
                column.blank[r] = 1;
            } else if (!column.blank[r]) {
                column.text_bytes += bytes_of(value, name.c_str());
                if (column.text_bytes.size() == column.text_offsets.back()) column.blank[r] = 1;
            }
            column.text_offsets.push_back(column.text_bytes.size());
        }
        break;
    }
    case ctrace::column_kind::integer:
    case ctrace::column_kind::time: {
        const auto array =
            values.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
        if (static_cast<std::size_t>(array.size()) != rows)
            throw py::value_error(name + ": one value per row is needed");
        column.integers.assign(array.data(), array.data() + rows);
        column.tz = ctrace::utc_offset{tz_seconds};
        break;
    }
    case ctrace::column_kind::number: {
        const auto array =
            values.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
        if (static_cast<std::size_t>(array.size()) != rows)
            throw py::value_error(name + ": one value per row is needed");
        column.numbers.assign(array.data(), array.data() + rows);
        break;
    }
    case ctrace::column_kind::blank:
        std::fill(column.blank.begin(), column.blank.end(), 1);
        break;
    }
    return column;
}

/// `ctrace.to_csv`: writes the columns as the command line writes a list.
void write_table_file(const std::string& path, const py::list& columns, bool bom) {
    ctrace::column_table table;
    for (const py::handle given : columns) {
        const auto spec = given.cast<py::tuple>();
        table.add_column(column_of(spec[0].cast<std::string>(), spec[1].cast<std::string>(),
                                   spec[2], spec[3], spec[4].cast<int>()));
    }
    write_atomically(path, bom, [&](std::ostream& out) {
        try {
            ctrace::write_csv(out, table, path);
        } catch (const ctrace::output_error& e) {
            throw ctrace::output_error(path, e.reason());
        }
    });
}

/// CSV text of `columns` (lists of str, bytes or None) under `header`, quoted
/// as the library's writer quotes: what a DataFrame given as input becomes
/// before the library's readers read it.
py::bytes csv_text(const std::vector<std::string>& header, const std::vector<py::list>& columns) {
    if (header.size() != columns.size())
        throw py::value_error("csv_text: as many names as columns are needed");
    const std::size_t rows = columns.empty() ? 0 : columns.front().size();
    for (const py::list& column : columns)
        if (column.size() != rows) throw py::value_error("csv_text: columns of different lengths");
    std::string text;
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (c > 0) text.push_back(',');
        ctrace::append_csv_field(text, header[c]);
    }
    text.push_back('\n');
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < columns.size(); ++c) {
            if (c > 0) text.push_back(',');
            const py::handle value = columns[c][r];
            if (!value.is_none())
                ctrace::append_csv_field(text, bytes_of(value, header[c].c_str()));
        }
        text.push_back('\n');
    }
    return py::bytes(text);
}

} // namespace

PYBIND11_MODULE(_ctrace, m) {
    m.doc() = "The compiled part of the ctrace module; use `ctrace`, not this.";
    m.attr("version") = std::string(ctrace::version());

    input_error_type = PyErr_NewExceptionWithDoc(
        "ctrace.InputError",
        "The input is wrong: a bad row (file, line, reason, rows, total), a missing column or "
        "file, a value the library cannot use (parameter).",
        PyExc_ValueError,
        py::dict("file"_a = py::none(), "line"_a = py::none(), "reason"_a = py::none(),
                 "parameter"_a = py::none(), "rows"_a = py::none(), "total"_a = py::none())
            .ptr());
    output_error_type = PyErr_NewExceptionWithDoc(
        "ctrace.OutputError",
        "An output could not be written (target, reason; the file is left untouched).",
        PyExc_OSError, py::dict("target"_a = py::none(), "reason"_a = py::none()).ptr());
    if (input_error_type == nullptr || output_error_type == nullptr) throw py::error_already_set();
    m.attr("InputError") = py::handle(input_error_type);
    m.attr("OutputError") = py::handle(output_error_type);
    py::register_exception_translator(translate_errors);

    py::dict defaults;
    defaults["hops"] = ctrace::defaults::hops;
    defaults["min_overlap"] = ctrace::format_duration(ctrace::defaults::min_overlap);
    defaults["linger"] = ctrace::format_duration(ctrace::defaults::linger);
    defaults["latency"] = ctrace::format_duration(ctrace::defaults::latency);
    defaults["lookback"] = ctrace::format_duration(ctrace::defaults::lookback);
    defaults["quarantine"] = ctrace::format_duration(ctrace::defaults::quarantine);
    defaults["dwell"] = ctrace::format_duration(ctrace::defaults::dwell);
    defaults["companion_window"] = ctrace::format_duration(ctrace::defaults::companion_window);
    defaults["zone_quiet"] = ctrace::format_duration(ctrace::defaults::zone_quiet);
    defaults["screening"] = ctrace::format_duration(ctrace::defaults::screening);
    defaults["incubation_min"] = ctrace::format_duration(ctrace::defaults::incubation_min);
    defaults["incubation_max"] = ctrace::format_duration(ctrace::defaults::incubation_max);
    defaults["min_cases"] = ctrace::defaults::min_cases;
    defaults["top"] = ctrace::defaults::top_places;
    defaults["damping"] = ctrace::place_rank_parameters{}.damping;
    defaults["max_row_bytes"] = ctrace::default_max_row_bytes;
    defaults["tz"] = "+00:00"; // as the command line's help shows it (UTC, read `Z` elsewhere)
    m.attr("defaults") = defaults;
    py::list profiles;
    for (const ctrace::protocol_profile& profile : ctrace::protocol_profiles())
        profiles.append(std::string(profile.name));
    m.attr("profiles") = profiles;

    py::class_<python_dataset>(m, "Dataset", py::dynamic_attr(),
                               "Scan data read once; see ctrace.load.")
        .def(py::init([](const py::list& scans, const py::object& scan_frame,
                         const std::string& scans_name, const py::object& places,
                         const py::object& snapshot, const py::object& store, const py::object& tz,
                         const py::object& dwell, bool skip_bad, const py::object& stay_end,
                         const std::string& contact_level, int threads, const py::dict& reading) {
                 return open_dataset(source_of(scans, scan_frame, scans_name, places, snapshot,
                                               store, tz, dwell, skip_bad, stay_end, contact_level,
                                               threads, reading));
             }),
             py::kw_only(), "scans"_a = py::list(), "scan_frame"_a = py::none(),
             "scans_name"_a = "scans", "places"_a = py::none(), "snapshot"_a = py::none(),
             "store"_a = py::none(), "tz"_a = py::none(), "dwell"_a = py::none(),
             "skip_bad"_a = false, "stay_end"_a = py::none(), "contact_level"_a = "code",
             "threads"_a = 0, "reading"_a = py::dict())
        .def("_trace", &trace_dataset, "cases_path"_a, "cases_text"_a, "cases_name"_a, "options"_a,
             "companion_window"_a)
        .def("_tables", &query_dataset, "query"_a, "cases_path"_a, "cases_text"_a, "cases_name"_a,
             "options"_a, "extra"_a)
        .def("_rank", &rank_dataset, "options"_a)
        .def(
            "_stays",
            [](const py::object& self) {
                const ctrace::stay_table& stays = self.cast<const python_dataset&>().data().stays;
                return py::dict("person"_a = view_of(stays.person, self),
                                "place"_a = view_of(stays.place, self),
                                "start"_a = view_of(stays.start, self),
                                "end"_a = view_of(stays.end, self));
            },
            "The stays as read-only numpy views of the data (no copy).")
        .def(
            "_incidence",
            [](const python_dataset& self) {
                // Computed without the GIL, then handed over without a copy:
                // the arrays own the library's vectors through a capsule.
                auto matrix = std::make_unique<ctrace::incidence_csr>();
                {
                    py::gil_scoped_release unlocked;
                    *matrix = ctrace::person_place_incidence(self.data().stays,
                                                             self.data().persons.size());
                }
                ctrace::incidence_csr* raw = matrix.get();
                const py::capsule owner(matrix.release(), [](void* p) {
                    delete static_cast<ctrace::incidence_csr*>(p);
                });
                const auto view = [&](auto& values) {
                    using T = typename std::decay_t<decltype(values)>::value_type;
                    return py::array_t<T>({static_cast<py::ssize_t>(values.size())},
                                          {static_cast<py::ssize_t>(sizeof(T))}, values.data(),
                                          owner);
                };
                return py::make_tuple(view(raw->data), view(raw->indices), view(raw->indptr));
            },
            "The person x place incidence (total stay seconds) as CSR arrays, no copy.")
        .def_property_readonly(
            "_persons", [](const python_dataset& self) { return id_list(self.data().persons); })
        .def_property_readonly(
            "_places", [](const python_dataset& self) { return id_list(self.data().places); })
        .def_property_readonly("_sizes",
                               [](const python_dataset& self) {
                                   const ctrace::dataset& data = self.data();
                                   return py::make_tuple(data.stays.size(), data.persons.size(),
                                                         data.places.size());
                               })
        .def_property_readonly(
            "_tz", [](const python_dataset& self) { return self.data().parameters.tz.seconds; })
        .def_property_readonly("_contact_level",
                               [](const python_dataset& self) {
                                   return std::string(
                                       ctrace::contact_level_name(self.data().parameters.level));
                               })
        .def_property_readonly("_stay_end",
                               [](const python_dataset& self) {
                                   return std::string(
                                       ctrace::stay_end_name(self.data().parameters.stay_end));
                               })
        .def_property_readonly("_rows_read",
                               [](const python_dataset& self) { return self.data().rows_read; })
        .def_property_readonly("_rows_rejected",
                               [](const python_dataset& self) { return self.data().rows_rejected; })
        .def_property_readonly(
            "_rejects",
            [](const python_dataset& self) {
                py::list rows;
                for (const ctrace::bad_row& row : self.traceable.loaded.ingested.rejects)
                    rows.append(py::make_tuple(text_of(row.file), row.line, text_of(row.reason),
                                               text_of(row.raw)));
                return rows;
            })
        .def_property_readonly("_notes", [](const python_dataset& self) {
            py::list notes;
            for (const ctrace::data_note& note : self.traceable.loaded.notes)
                notes.append(text_of(note.text));
            return notes;
        });

    m.def("write_table", &write_table_file, "path"_a, "columns"_a, "bom"_a);
    m.def("csv_text", &csv_text, "header"_a, "columns"_a);
    m.def(
        "parse_utc_offset", [](const py::object& text) { return offset_of("tz", text).seconds; },
        "text"_a);
    m.def(
        "format_utc_offset",
        [](int seconds) { return ctrace::format_utc_offset(ctrace::utc_offset{seconds}); },
        "seconds"_a);
}
