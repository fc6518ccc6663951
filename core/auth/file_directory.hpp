#pragma once
#include "core/auth/directory.hpp"
#include "core/auth/directory_config.hpp"

namespace kata::auth {

// The embedded directory: an in-memory copy of the config file's `directory` section.
// Credentials are matched by SHA-256 digest, compared in constant time against every entry.
class file_directory final : public directory {
  public:
    explicit file_directory(directory_config config);

    lookup_result<principal> authenticate_api_key(std::string_view key) const override;
    lookup_result<principal> authenticate_session(std::string_view token) const override;
    lookup_result<std::string> team_of_spec(std::string_view spec_id) const override;
    lookup_result<std::string> team_of_agent(std::string_view agent_id) const override;
    lookup_result<principal> authenticate_digest(credential_kind kind,
                                                 std::string_view sha256_hex) const override;

  private:
    directory_config config_;
};

}  // namespace kata::auth
