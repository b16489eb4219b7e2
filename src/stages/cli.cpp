// Command-line parsing and dispatch. The stage table (table.cpp) drives both dispatch and help.
#include "stages/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "model/registry.hpp"
#include "stages/stage.hpp"

namespace kg {
namespace {

const StageInfo* find_stage(const std::string& name) {
  for (const auto& s : stage_table())
    if (s.name == name) return &s;
  return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string usage_line(const StageInfo& s) {
  return fmt::format("kgpert {}{}{}", s.name, s.takes_config ? " [--config FILE] [--set key=value]..." : "",
                     s.usage.empty() ? "" : " " + s.usage);
}

// Parses the arguments after the stage name into ctx (config not loaded yet).
void parse_args(const StageInfo& s, const std::vector<std::string>& args, StageContext& ctx) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      ctx.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    bool is_config = s.takes_config && (name == "config" || name == "set");
    if (is_config || contains(s.options, name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) fail("option --{} needs a value; usage: {}", name, usage_line(s));
        value = args[++i];
      }
      if (name == "config") ctx.config_path = value;
      else if (name == "set") ctx.sets.push_back(value);
      else ctx.options[name].push_back(value);
    } else if (contains(s.flags, name) && !has_value) {
      ctx.options[name].push_back("");
    } else {
      fail("unknown option --{}; usage: {}", name, usage_line(s));
    }
  }
}

// The config's input files by key (`inputs.*`), those given (non-empty) only.
std::vector<files::FileArg> config_inputs(const InputsConfig& in, bool with_gene_table) {
  const std::pair<const char*, const std::string*> keys[] = {
      {"inputs.kg_csv", &in.kg_csv},         {"inputs.gctx", &in.gctx},
      {"inputs.sig_info", &in.sig_info},     {"inputs.gene_info", &in.gene_info},
      {"inputs.cell_info", &in.cell_info},   {"inputs.pert_info", &in.pert_info},
      {"inputs.drugbank_vocab", &in.drugbank_vocab}, {"inputs.controls_gctx", &in.controls_gctx},
      {"inputs.embeddings", &in.embeddings}, {"inputs.gene_table", &in.gene_table}};
  std::vector<files::FileArg> out;
  for (const auto& [key, value] : keys)
    if (!value->empty() && (with_gene_table || std::string(key) != "inputs.gene_table"))
      out.push_back({key, *value});
  return out;
}

// Checks the stage's files (from its row of the stage table) before it reads any: see
// core/files.hpp. The config file counts as an input; an HDF5 output of a stage that takes a
// config also writes <stem>.config.yaml beside it, which counts as an output.
void check_files(const StageInfo& s, const StageContext& ctx) {
  std::vector<files::FileArg> in, out, dirs;
  if (s.takes_config && !ctx.config_path.empty()) in.push_back({"--config", ctx.config_path});
  for (const auto& name : s.inputs) {
    if (name == "ARGS") {
      for (size_t i = 0; i < ctx.positional.size(); ++i)
        in.push_back({fmt::format("argument {}", i + 1), ctx.positional[i]});
    } else if (name == "inputs.*" || name == "inputs.gene_table") {
      for (auto& f : config_inputs(ctx.cfg.inputs, name == "inputs.gene_table"))
        if (name == "inputs.*" || f.source == name) in.push_back(std::move(f));
    } else if (auto it = ctx.options.find(name); it != ctx.options.end()) {
      for (const auto& v : it->second) in.push_back({"--" + name, v});
    }
  }
  for (const auto& name : s.outputs) {
    auto it = ctx.options.find(name);
    if (it == ctx.options.end()) continue;
    for (const auto& v : it->second) {
      out.push_back({"--" + name, v});
      const std::string side = h5::config_sidecar(v);
      if (s.takes_config && std::filesystem::path(side).filename().string().size() <= 255)
        out.push_back({"the config written beside --" + name, side});
    }
  }
  for (const auto& name : s.out_dirs)
    if (auto it = ctx.options.find(name); it != ctx.options.end())
      for (const auto& v : it->second) dirs.push_back({"--" + name, v});
  files::check_stage_files(in, out, dirs);
}

}  // namespace

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789@%_-+=:,./") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

const std::string& StageContext::require(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) fail("missing required option --{}", name);
  if (it->second.size() > 1) fail("option --{} given {} times", name, it->second.size());
  return it->second.front();
}

std::string StageContext::option(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() || it->second.empty() ? fallback : it->second.back();
}

int64_t StageContext::integer(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const {
  const std::string v = option(name);
  if (v.empty()) return fallback;
  try {
    size_t used = 0;
    const long long k = std::stoll(v, &used);
    if (used == v.size() && k >= lo && k <= hi) return k;
  } catch (const std::exception&) {
  }
  fail("--{} \"{}\": expected an integer from {} to {}", name, v, lo, hi);
}

h5::Provenance StageContext::provenance(const std::vector<std::string>& inputs, int64_t world_size) const {
  h5::Provenance p;
  p.world_size = world_size;
  p.stage = stage;
  p.command_line = command_line;
  p.config_yaml = cfg.to_yaml();
  for (const auto& in : inputs)
    if (!in.empty()) p.inputs.push_back(h5::describe_input(in));
  return p;
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {  // a script that lost its arguments must not pass
    std::string names;
    for (const auto& s : stage_table()) names += " " + s.name;
    log::error("usage: kgpert <command> [options]; commands:{}\n(`kgpert help` describes them)", names);
    return 2;
  }
  std::string name = args.front();
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version") name = "version";
  const StageInfo* s = find_stage(name);
  if (!s) {
    log::error("kgpert: unknown command \"{}\"; run `kgpert help` for the list", name);
    return 2;
  }
  StageContext ctx;
  ctx.stage = name;
  for (int i = 0; i < argc; ++i) ctx.command_line += (i ? " " : "") + shell_quote(argv[i]);
  try {
    if (const char* level = std::getenv("KGPERT_LOG_LEVEL"); level && *level)
      log::set_level(log::parse_level(level, "KGPERT_LOG_LEVEL"));
    std::vector<std::string> rest(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
      std::cout << usage_line(*s) << "\n\n" << s->summary << "\n";
      return 0;
    }
    parse_args(*s, rest, ctx);
    if (s->takes_config) {
      if (!ctx.config_path.empty() && !files::check_regular({"--config", ctx.config_path}))
        fail_file("--config", ctx.config_path, "no such file");
      ctx.cfg = Config::load(ctx.config_path, ctx.sets);
      check_registered(ctx.cfg, ctx.config_path.empty() ? "config" : fmt::format("config \"{}\"", ctx.config_path));
      apply_threads(ctx.cfg);
    }
    check_files(*s, ctx);
    return s->run(ctx);
  } catch (const Error& e) {
    log::error("kgpert {}: {}", name, e.what());
    return 1;
  } catch (const InternalError& e) {
    log::error("kgpert {}: internal error: {}", name, e.what());
    return 70;
  } catch (const std::filesystem::filesystem_error& e) {
    // Not "filesystem error: cannot ...: Not a directory [a] [b]": the path and the reason.
    std::string what = e.what();
    const auto colon = what.find(": ");
    std::string op = colon == std::string::npos ? what : what.substr(colon + 2);
    op = op.substr(0, op.find(": "));
    log::error("kgpert {}: \"{}\": {}: {}", name, e.path1().string(), op, e.code().message());
    return 1;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    msg = msg.substr(0, msg.find('\n'));  // LibTorch appends a backtrace
    log::error("kgpert {}: {}", name, msg);
    return 1;
  }
}

}  // namespace kg
