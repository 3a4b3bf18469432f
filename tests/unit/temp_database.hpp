// A SQLite file in a fresh temp directory for unit tests, removed with the object. exec() runs SQL
// on it through a connection of its own (no fsync, journal in memory: tests need no durability).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace pgshift::sqlite {

class TempDatabase {
 public:
  TempDatabase() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pgshift-sqlite-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    path_ = dir_ + "/test.db";
  }
  ~TempDatabase() { std::filesystem::remove_all(dir_); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  const std::string& path() const { return path_; }

  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    std::string fast = "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; " + sql;
    int rc = sqlite3_exec(db, fast.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace pgshift::sqlite
