// `ctrace reveal`: maps pseudonyms back to person ids, for the ids given.

#include "commands.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>

namespace ctrace::cli {

namespace {

po::options_description reveal_options() {
    return options_for(
        cmd::reveal,
        {{"Reveal", {section::own, section::quiet}}, section::output_format, section::general},
        true);
}

void print_reveal_help() {
    std::cout << "Usage: ctrace reveal --key KEYFILE --ids FILE [--in FILE] --out FILE\n\n"
                 "Pseudonyms (--pseudonymize) cannot be reversed, even with the key: this maps\n"
                 "them back only for the real ids given in --ids. Without --in it writes\n"
                 "person,pseudonym for each of them; with --in it writes that CSV with every\n"
                 "field that is the pseudonym of a given id replaced by the id (other\n"
                 "pseudonyms stay).\n"
              << reveal_options()
              << "Exit status: 0 ok, 2 bad input or usage (nothing written), 74 the output could\n"
                 "not be written (nothing written), 1 internal error.\n";
}

std::ifstream open_input(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path + ": cannot open");
    return in;
}

int run_reveal(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, reveal_options());
    if (has(vm, opt::help)) {
        print_reveal_help();
        return exit_ok;
    }
    const pseudonymizer key = pseudonymizer::from_key_file(required(vm, opt::key));
    const std::string ids_path = required(vm, opt::ids);
    const std::string out_path = required(vm, opt::out);
    std::ifstream ids = open_input(ids_path);
    const auto table = key.reveal_table(ids, ids_path);

    const output_options outputs = output_options_from(vm);
    staged_output out(out_path, outputs.bom);
    std::uint64_t replaced = 0;
    if (has(vm, opt::in)) {
        const std::string in_path = text_option(vm, opt::in);
        std::ifstream in = open_input(in_path);
        out.write([&](std::ostream& s) { replaced = reveal_csv(in, in_path, s, table); });
    } else {
        out.write([&](std::ostream& s) {
            csv_writer csv(s, "revealed ids");
            csv.raw("person,pseudonym").end_row();
            std::vector<std::pair<std::string, std::string>> rows(table.begin(), table.end());
            std::sort(rows.begin(), rows.end(),
                      [](const auto& a, const auto& b) { return a.second < b.second; });
            for (const auto& [pseudonym, id] : rows)
                csv.field(id).raw(pseudonym).end_row();
            csv.finish();
        });
    }
    out.close();
    out.commit();
    if (!flag_option(vm, opt::quiet)) {
        std::cerr << "ctrace reveal: " << table.size() << " ids";
        if (has(vm, opt::in)) std::cerr << "; " << replaced << " fields revealed";
        std::cerr << '\n';
    }
    return exit_ok;
}

} // namespace

command reveal_command() {
    return {"reveal", "map pseudonyms back to the person ids given", run_reveal, print_reveal_help,
            reveal_options};
}

} // namespace ctrace::cli
