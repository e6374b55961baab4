// Numbers are written with two decimals: enough for pixels, and stable across runs.
#include "dwae/bench/svg.h"

#include <cmath>
#include <cstdio>

namespace dwae::bench {
namespace {

std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

std::string stroke_attributes(const SvgStroke& stroke) {
  std::string s =
      " stroke=\"" + xml_escape(stroke.colour) + "\" stroke-width=\"" + num(stroke.width) + "\"";
  if (!stroke.dash.empty()) s += " stroke-dasharray=\"" + xml_escape(stroke.dash) + "\"";
  return s;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          // XML 1.0 has no C0 control characters but tab, newline and carriage return.
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      }
      continue;
    }
    // A UTF-8 sequence: kept when it is well formed and an XML character, else U+FFFD. XML has
    // no surrogates (U+D800..U+DFFF) and no U+FFFE or U+FFFF.
    const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    char32_t code = length == 4 ? (c & 0x07u) : length == 3 ? (c & 0x0Fu) : (c & 0x1Fu);
    bool formed = length > 0 && c <= 0xF4 && i + length <= text.size();
    for (std::size_t k = 1; formed && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      formed = (next & 0xC0u) == 0x80u;
      code = (code << 6) | (next & 0x3Fu);
    }
    if (!formed) {
      out += kReplacement;  // a stray or cut-off byte
      ++i;
      continue;
    }
    constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    const bool allowed = code >= kMinimum[length] && code <= 0x10FFFF &&
                         !(code >= 0xD800 && code <= 0xDFFF) && code != 0xFFFE && code != 0xFFFF;
    if (allowed) {
      out.append(text.substr(i, length));
    } else {
      out += kReplacement;
    }
    i += length;
  }
  return out;
}

SvgWriter::SvgWriter(double width, double height) : width_(width), height_(height) {}

void SvgWriter::line(double x1, double y1, double x2, double y2, const SvgStroke& stroke) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
           num(y2) + "\"" + stroke_attributes(stroke) + "/>\n";
}

void SvgWriter::polyline(const std::vector<std::pair<double, double>>& points,
                         const SvgStroke& stroke) {
  if (points.empty()) return;
  body_ += "<polyline fill=\"none\"" + stroke_attributes(stroke) + " points=\"";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i > 0) body_ += ' ';
    body_ += num(points[i].first) + "," + num(points[i].second);
  }
  body_ += "\"/>\n";
}

void SvgWriter::rect(double x, double y, double width, double height, std::string_view fill,
                     const SvgStroke& stroke) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(width) +
           "\" height=\"" + num(height) + "\" fill=\"" + xml_escape(fill) + "\"" +
           stroke_attributes(stroke) + "/>\n";
}

void SvgWriter::text(double x, double y, std::string_view content, double size_px, Anchor anchor,
                     double rotate_deg) {
  const char* a = anchor == Anchor::start ? "start" : anchor == Anchor::middle ? "middle" : "end";
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size_px) +
           "\" text-anchor=\"" + a + "\"";
  if (rotate_deg != 0) {
    body_ += " transform=\"rotate(" + num(rotate_deg) + " " + num(x) + " " + num(y) + ")\"";
  }
  body_ += ">" + xml_escape(content) + "</text>\n";
}

std::string SvgWriter::str() const {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         num(width_) + "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " +
         num(height_) + "\" font-family=\"sans-serif\">\n" + "<rect x=\"0\" y=\"0\" width=\"" +
         num(width_) + "\" height=\"" + num(height_) + "\" fill=\"#ffffff\"/>\n" + body_ +
         "</svg>\n";
}

}  // namespace dwae::bench
