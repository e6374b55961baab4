#pragma once
// A small SVG writer for the bench report's plots: lines, polylines, rectangles and text, with
// every attribute and text escaped, so the output is well-formed XML whatever the names are.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dwae::bench {

struct SvgStroke {
  std::string colour = "#000000";
  double width = 1;
  std::string dash;  // SVG stroke-dasharray, empty for solid
};

class SvgWriter {
 public:
  SvgWriter(double width, double height);

  void line(double x1, double y1, double x2, double y2, const SvgStroke& stroke);
  void polyline(const std::vector<std::pair<double, double>>& points, const SvgStroke& stroke);
  void rect(double x, double y, double width, double height, std::string_view fill,
            const SvgStroke& stroke);
  enum class Anchor { start, middle, end };
  // rotate_deg turns the text about its anchor point (-90 for a vertical axis label).
  void text(double x, double y, std::string_view content, double size_px = 12,
            Anchor anchor = Anchor::start, double rotate_deg = 0);

  // The complete document (XML declaration, svg element, everything drawn so far).
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

// Escapes &, <, >, " and ' for use in XML text and attribute values; drops the C0 control
// characters XML 1.0 does not allow and replaces what is not an XML character in UTF-8
// (U+FFFE, U+FFFF, surrogates, malformed bytes) with U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace dwae::bench
