// LINCS GCT text files (#1.3 with row/column metadata, #1.2 without), read into the same
// axes + sample-major matrix as a GCTX; and the UTF-8 repair both readers share.
#pragma once

#include <string>
#include <string_view>

#include "io/gctx.hpp"

namespace kg {

/// A GCT file: `values` is [cols, rows] = [samples, genes], as GctxFile::read returns.
using GctData = GctxData;

/// Reads a GCT #1.3 (or #1.2) file, plain or gzip. Missing values (-666, empty, NA, NaN)
/// become NaN. A metadata field named "id" that repeats the ids is dropped (the ids are
/// `ids`); in #1.2 the second column becomes the row field named by its header ("Description").
/// Errors read `GCT "<path>": line N: <reason>`.
GctData read_gct(const std::string& path);

/// True when `s` is well-formed UTF-8.
bool is_utf8(std::string_view s);
/// `s` unchanged when it is UTF-8, else read as Latin-1 and converted (0xB5 -> "µ"), since
/// older LINCS files store "10 \xb5M".
std::string ensure_utf8(std::string_view s);

}  // namespace kg
