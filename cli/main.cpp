#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/config/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"kata-rt: a real-time WebSocket gateway and its tools"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "kata-rt " + std::string(kata::config::version()));
    kata::cli::add_serve_command(app);
    kata::cli::add_subscribe_command(app);
    kata::cli::add_publish_command(app);
    kata::cli::add_loadtest_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();  // a subcommand's own failure: it already said why
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every usage error exits 2, whatever CLI11's code.
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    return 0;
}
