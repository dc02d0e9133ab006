// The compiled half of the Python module `ctrace` (`ctrace._ctrace`): the
// library's dataset, traces and writers behind a small interface that the
// pure-Python half (ctrace/__init__.py) turns into DataFrames. Everything
// here calls the library's workflows (workflow/pipeline.hpp); nothing traces
// or formats on its own.
//
// Ids are bytes to the library and `str` to Python: they are decoded as
// UTF-8 with `surrogateescape`, so that an id that is not valid UTF-8 comes
// back as the same bytes when Python hands it in again.

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "ctrace/workflow/pipeline.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sstream>
#include <string>
#include <string_view>
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

// ---- the dataset ------------------------------------------------------------

/// What a Python `Dataset` holds: the data, read once and never changed
/// after, so that any number of threads may trace it at once.
struct python_dataset {
    ctrace::traceable_data traceable;

    const ctrace::dataset& data() const noexcept { return traceable.data(); }
};

/// Reads the data as `load_data` does, without the GIL.
std::unique_ptr<python_dataset> open_dataset(const ctrace::data_source& source) {
    auto opened = std::make_unique<python_dataset>();
    {
        py::gil_scoped_release unlocked;
        opened->traceable = ctrace::make_traceable(ctrace::load_data(source));
    }
    return opened;
}

/// The data source the keywords of `Dataset.__init__` name (see ctrace.load).
ctrace::data_source source_of(const py::list& scans, const py::object& scans_text,
                              const std::string& scans_name, const py::object& places,
                              const py::object& snapshot, const py::object& store,
                              const py::object& tz, const py::object& dwell, bool skip_bad,
                              const py::object& stay_end, const std::string& contact_level,
                              int threads) {
    ctrace::data_source source;
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
    if (!scans_text.is_none())
        ingest.scan_texts.push_back(
            {scans_name, std::make_shared<const std::string>(bytes_of(scans_text, "scans"))});
    if (!places.is_none()) ingest.places = bytes_of(places, "places");
    if (!tz.is_none()) ingest.read.tz = offset_of("tz", tz);
    if (!dwell.is_none()) ingest.read.default_dwell = duration_of("dwell", dwell);
    ingest.read.skip_bad = skip_bad;
    if (threads < 0 || threads > 1024)
        throw py::value_error("threads: must be between 0 (one per core) and 1024, not " +
                              std::to_string(threads));
    ingest.read.threads = static_cast<unsigned>(threads);
    return source;
}

/// The trace request of the keywords given to `Dataset.trace` (`options`
/// holds only those given: a profile leaves them as they are, as on the
/// command line), in the trace's zone `tz`.
ctrace::trace_request request_of(const py::dict& options, ctrace::utc_offset tz) {
    ctrace::trace_request request;
    request.tz = tz;
    request.digest = false;
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
    return request;
}

/// A column of times: epoch seconds, `no_time` where empty.
using time_column = std::vector<std::int64_t>;

/// The columns of a trace, for the DataFrames of ctrace/__init__.py.
py::dict columns_of(const ctrace::named_trace& run, bool with_companions) {
    const std::vector<py::str> persons = texts_of(run.persons);
    const std::vector<py::str> places = texts_of(run.places);
    const ctrace::trace_result& result = run.record.result;
    const std::size_t n = result.entries.size();
    py::list person, code, via_person, via_place;
    std::vector<std::int64_t> hop(n), exposure_seconds(n);
    time_column first(n, no_time), last(n, no_time), quarantine(n, no_time), monitor(n, no_time);
    const py::str red(std::string(ctrace::health_code(1)));
    const py::str yellow(std::string(ctrace::health_code(2)));
    for (std::size_t k = 0; k < n; ++k) {
        const ctrace::risk_entry& e = result.entries[k];
        person.append(persons[e.person]);
        hop[k] = e.hop;
        code.append(ctrace::health_code(e.hop) == ctrace::health_code(1) ? red : yellow);
        // What the risk list writes: index cases have no exposure.
        exposure_seconds[k] = e.hop > 0 ? e.exposure_seconds : 0;
        if (e.hop > 0) {
            first[k] = e.first_exposure;
            last[k] = e.last_exposure;
            quarantine[k] = e.quarantine_until;
            if (result.monitoring) monitor[k] = e.monitor_until;
            via_person.append(persons[e.via_person]);
            via_place.append(places[e.via_place]);
        } else {
            via_person.append(py::none());
            via_place.append(py::none());
        }
    }
    py::dict risk("person"_a = person, "hop"_a = array_of(hop), "code"_a = code,
                  "first_exposure"_a = array_of(first), "last_exposure"_a = array_of(last),
                  "quarantine_until"_a = array_of(quarantine),
                  "exposure_seconds"_a = array_of(exposure_seconds), "via_person"_a = via_person,
                  "via_place"_a = via_place);
    if (result.monitoring) risk["monitor_until"] = array_of(monitor);

    py::list unscanned;
    for (const ctrace::person_index p : result.cases_without_stays)
        unscanned.append(persons[p]);
    py::dict out("risk"_a = risk, "tz"_a = run.record.tz.seconds,
                 "cases_without_stays"_a = unscanned,
                 "qualifying_events"_a = result.qualifying_events);
    if (!with_companions) return out;

    const std::size_t m = run.companions.size();
    py::list c_person, c_code, c_via_person, c_via_place;
    time_column first_time(m), last_time(m);
    std::vector<std::int64_t> cases(m);
    for (std::size_t k = 0; k < m; ++k) {
        const ctrace::companion& c = run.companions[k];
        c_person.append(persons[c.person]);
        c_code.append(yellow);
        first_time[k] = c.first_time;
        last_time[k] = c.last_time;
        cases[k] = c.cases;
        c_via_person.append(persons[c.via_person]);
        c_via_place.append(places[c.via_place]);
    }
    out["companions"] =
        py::dict("person"_a = c_person, "code"_a = c_code, "first_time"_a = array_of(first_time),
                 "last_time"_a = array_of(last_time), "cases"_a = array_of(cases),
                 "via_person"_a = c_via_person, "via_place"_a = c_via_place);
    return out;
}

/// `Dataset._trace`: reads the cases (a file, or CSV text in memory), traces
/// without the GIL and gives the columns.
py::dict trace_dataset(const python_dataset& self, const py::object& cases_path,
                       const py::object& cases_text, const std::string& cases_name,
                       const py::dict& options, const py::object& companion_window) {
    const ctrace::utc_offset tz = options.contains("tz") && !options["tz"].is_none()
                                      ? offset_of("tz", options["tz"])
                                      : self.data().parameters.tz;
    ctrace::trace_request request = request_of(options, tz);
    std::optional<ctrace::companion_parameters> companions;
    if (!companion_window.is_none())
        companions = ctrace::companion_parameters{duration_of("window", companion_window)};
    std::optional<std::string> text;
    if (!cases_text.is_none())
        text = bytes_of(cases_text, "cases");
    else
        request.cases = bytes_of(cases_path, "cases");

    ctrace::named_trace run;
    {
        py::gil_scoped_release unlocked;
        ctrace::prepared_cases prepared;
        if (text) {
            std::istringstream in(*text);
            prepared = ctrace::read_index_cases(request, in, cases_name);
        } else {
            prepared = ctrace::read_index_cases(request);
        }
        run = ctrace::trace_loaded(self.traceable, prepared, companions ? &*companions : nullptr);
    }
    return columns_of(run, companions.has_value());
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

/// Interns the ids of a text column of `rows` rows; None only where
/// `optional_rows` says a row may have none.
std::vector<ctrace::person_index> intern_column(const py::handle values, ctrace::id_table& ids,
                                                const char* name, std::size_t rows,
                                                const std::vector<bool>* optional_rows) {
    const py::list column(py::reinterpret_borrow<py::object>(values));
    if (column.size() != rows)
        throw py::value_error(std::string(name) + ": one value per row is needed");
    std::vector<ctrace::person_index> indices(column.size(), ctrace::no_person);
    for (std::size_t k = 0; k < column.size(); ++k) {
        const py::handle value = column[k];
        if (value.is_none()) {
            if (optional_rows != nullptr && (*optional_rows)[k]) continue;
            throw py::value_error(std::string(name) + ": row " + std::to_string(k) +
                                  " has no value");
        }
        indices[k] = ids.intern(bytes_of(value, name));
    }
    return indices;
}

/// A time column given as int64 epoch seconds (`no_time` where empty);
/// empty times are refused where `required_rows` says so.
std::vector<std::int64_t> time_column_of(const py::handle given, const char* name,
                                         const std::vector<bool>& required_rows) {
    const auto column =
        given.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
    if (column.ndim() != 1 || static_cast<std::size_t>(column.shape(0)) != required_rows.size())
        throw py::value_error(std::string(name) + ": one time per row is needed");
    const auto values = column.unchecked<1>();
    std::vector<std::int64_t> times(static_cast<std::size_t>(values.shape(0)));
    for (py::ssize_t k = 0; k < values.shape(0); ++k) {
        times[static_cast<std::size_t>(k)] = values(k);
        if (values(k) == no_time && required_rows[static_cast<std::size_t>(k)])
            throw py::value_error(std::string(name) + ": row " + std::to_string(k) +
                                  " has no time");
    }
    return times;
}

/// Writes `write(stream)` to `path` atomically, as the command line writes
/// its outputs (with a UTF-8 byte-order mark first when `bom`).
template <class Write>
void write_atomically(const std::string& path, bool bom, Write write) {
    py::gil_scoped_release unlocked;
    ctrace::atomic_file file(path);
    if (bom) file.stream() << "\xEF\xBB\xBF";
    try {
        write(file.stream());
    } catch (const ctrace::output_error& e) {
        // The writers name their stream ("risk list"); the file is the target.
        throw ctrace::output_error(path, e.reason());
    }
    file.commit();
}

void write_risk_list_file(const std::string& path, const py::dict& columns, int tz_seconds,
                          bool bom) {
    const auto hops = columns["hop"].cast<py::array_t<std::int64_t>>();
    const std::size_t n = static_cast<std::size_t>(hops.size());
    std::vector<bool> listed_by_contact(n);
    for (std::size_t k = 0; k < n; ++k) {
        if (hops.at(static_cast<py::ssize_t>(k)) < 0)
            throw py::value_error("hop: row " + std::to_string(k) + " is negative");
        listed_by_contact[k] = hops.at(static_cast<py::ssize_t>(k)) > 0;
    }
    std::vector<bool> index_case(n);
    for (std::size_t k = 0; k < n; ++k)
        index_case[k] = !listed_by_contact[k];
    ctrace::id_table persons, places;
    const auto person = intern_column(columns["person"], persons, "person", n, nullptr);
    const auto via_person =
        intern_column(columns["via_person"], persons, "via_person", n, &index_case);
    const auto via_place = intern_column(columns["via_place"], places, "via_place", n, &index_case);
    const auto first =
        time_column_of(columns["first_exposure"], "first_exposure", listed_by_contact);
    const auto last = time_column_of(columns["last_exposure"], "last_exposure", listed_by_contact);
    const auto until =
        time_column_of(columns["quarantine_until"], "quarantine_until", listed_by_contact);
    const auto seconds = columns["exposure_seconds"].cast<py::array_t<std::int64_t>>();
    if (static_cast<std::size_t>(seconds.size()) != n)
        throw py::value_error("exposure_seconds: one value per row is needed");
    ctrace::trace_result result;
    result.monitoring = columns.contains("monitor_until");
    std::vector<std::int64_t> monitor;
    if (result.monitoring)
        monitor = time_column_of(columns["monitor_until"], "monitor_until", listed_by_contact);
    result.entries.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        ctrace::risk_entry& e = result.entries[k];
        e.person = person[k];
        e.hop = static_cast<std::uint32_t>(hops.at(static_cast<py::ssize_t>(k)));
        if (e.hop == 0) continue;
        e.first_exposure = first[k];
        e.last_exposure = last[k];
        e.quarantine_until = until[k];
        if (result.monitoring) e.monitor_until = monitor[k];
        e.exposure_seconds = seconds.at(static_cast<py::ssize_t>(k));
        e.via_person = via_person[k];
        e.via_place = via_place[k];
    }
    const ctrace::utc_offset tz{tz_seconds};
    write_atomically(path, bom, [&](std::ostream& out) {
        ctrace::write_risk_list(out, result, persons, places, tz);
    });
}

void write_companion_list_file(const std::string& path, const py::dict& columns, int tz_seconds,
                               bool bom) {
    ctrace::id_table persons, places;
    const auto cases = columns["cases"].cast<py::array_t<std::int64_t>>();
    const auto n = static_cast<std::size_t>(cases.size());
    const auto person = intern_column(columns["person"], persons, "person", n, nullptr);
    const auto via_person = intern_column(columns["via_person"], persons, "via_person", n, nullptr);
    const auto via_place = intern_column(columns["via_place"], places, "via_place", n, nullptr);
    const std::vector<bool> every_row(n, true);
    const auto first = time_column_of(columns["first_time"], "first_time", every_row);
    const auto last = time_column_of(columns["last_time"], "last_time", every_row);
    std::vector<ctrace::companion> rows(person.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        ctrace::companion& c = rows[k];
        c.person = person[k];
        c.first_time = first[k];
        c.last_time = last[k];
        c.cases = static_cast<std::uint32_t>(cases.at(static_cast<py::ssize_t>(k)));
        c.via_person = via_person[k];
        c.via_place = via_place[k];
    }
    const ctrace::utc_offset tz{tz_seconds};
    write_atomically(path, bom, [&](std::ostream& out) {
        ctrace::write_companion_list(out, rows, persons, places, tz);
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
    defaults["tz"] = "+00:00"; // as the command line's help shows it (UTC, read `Z` elsewhere)
    m.attr("defaults") = defaults;
    py::list profiles;
    for (const ctrace::protocol_profile& profile : ctrace::protocol_profiles())
        profiles.append(std::string(profile.name));
    m.attr("profiles") = profiles;

    py::class_<python_dataset>(m, "Dataset", py::dynamic_attr(),
                               "Scan data read once; see ctrace.load.")
        .def(py::init([](const py::list& scans, const py::object& scans_text,
                         const std::string& scans_name, const py::object& places,
                         const py::object& snapshot, const py::object& store, const py::object& tz,
                         const py::object& dwell, bool skip_bad, const py::object& stay_end,
                         const std::string& contact_level, int threads) {
                 return open_dataset(source_of(scans, scans_text, scans_name, places, snapshot,
                                               store, tz, dwell, skip_bad, stay_end, contact_level,
                                               threads));
             }),
             py::kw_only(), "scans"_a = py::list(), "scans_text"_a = py::none(),
             "scans_name"_a = "scans", "places"_a = py::none(), "snapshot"_a = py::none(),
             "store"_a = py::none(), "tz"_a = py::none(), "dwell"_a = py::none(),
             "skip_bad"_a = false, "stay_end"_a = py::none(), "contact_level"_a = "code",
             "threads"_a = 0)
        .def("_trace", &trace_dataset, "cases_path"_a, "cases_text"_a, "cases_name"_a, "options"_a,
             "companion_window"_a)
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

    m.def("write_risk_list", &write_risk_list_file, "path"_a, "columns"_a, "tz_seconds"_a, "bom"_a);
    m.def("write_companion_list", &write_companion_list_file, "path"_a, "columns"_a, "tz_seconds"_a,
          "bom"_a);
    m.def("csv_text", &csv_text, "header"_a, "columns"_a);
    m.def(
        "parse_utc_offset", [](const py::object& text) { return offset_of("tz", text).seconds; },
        "text"_a);
    m.def(
        "format_utc_offset",
        [](int seconds) { return ctrace::format_utc_offset(ctrace::utc_offset{seconds}); },
        "seconds"_a);
}
