// A plain-text table: a header row, rows of cells, columns padded to their
// widest cell; the first `text_columns` columns are left-aligned (names),
// the rest right-aligned (numbers).
#ifndef GRADCODEC_CLI_REPORT_TABLE_H_
#define GRADCODEC_CLI_REPORT_TABLE_H_

#include <string>
#include <vector>

namespace gradcodec::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header, size_t text_columns = 1)
      : header_(std::move(header)), text_columns_(text_columns) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // A line of dashes before the next row.
  void AddRule() { rules_.push_back(rows_.size()); }
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> rules_;
  size_t text_columns_;
};

// Number formats shared by the reports.
std::string FormatFixed(double value, int decimals);
// Three significant digits, scientific below 0.001.
std::string FormatSignificant(double value);
// "32.0x"
std::string FormatRatio(double value);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_REPORT_TABLE_H_
