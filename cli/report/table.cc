#include "cli/report/table.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gradcodec::cli {

std::string Table::Render() const {
  std::vector<size_t> widths(header_.size(), 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  };
  widen(header_);
  for (const auto& row : rows_) widen(row);
  size_t total = 0;
  for (size_t w : widths) total += w + 2;
  auto render_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string& cell = c < row.size() ? row[c] : std::string();
      const std::string pad(widths[c] - cell.size(), ' ');
      line += c < text_columns_ ? cell + pad : pad + cell;
      if (c + 1 < widths.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = render_row(header_);
  out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
  for (size_t r = 0; r < rows_.size(); ++r) {
    if (std::find(rules_.begin(), rules_.end(), r) != rules_.end()) {
      out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
    }
    out += render_row(rows_[r]);
  }
  return out;
}

std::string FormatFixed(double value, int decimals) {
  return absl::StrFormat("%.*f", decimals, value);
}

std::string FormatSignificant(double value) {
  if (std::isinf(value)) return "inf";
  if (value != 0 && std::fabs(value) < 1e-3) return absl::StrFormat("%.2e", value);
  return absl::StrFormat("%.3g", value);
}

std::string FormatRatio(double value) {
  if (std::isinf(value)) return "inf";
  return value >= 100 ? absl::StrFormat("%.0fx", value)
                      : absl::StrFormat("%.1fx", value);
}

}  // namespace gradcodec::cli
