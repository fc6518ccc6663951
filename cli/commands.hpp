#pragma once

namespace CLI {
class App;
}

namespace kata::cli {

// Each subcommand lives in its own file and registers itself on the root app. A subcommand
// reports failure by throwing CLI::RuntimeError(exit_code) after printing its reason.
void add_serve_command(CLI::App& app);
void add_subscribe_command(CLI::App& app);
void add_publish_command(CLI::App& app);
void add_loadtest_command(CLI::App& app);

}  // namespace kata::cli
