// CSV with a fixed column order; the SVG is a plain polyline chart with a few labelled ticks.
#include "dwae/train/curve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dwae::train {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

constexpr const char* kColumns =
    "iteration,episodes,host_ticks,samples,simulated_seconds,wall_seconds,ticks_per_second,"
    "sim_steps_per_second,mean_episode_reward,eval_reward,tail,sla,stall,cv,fragmentation,"
    "utilisation,overcommit,changes,change_size,policy_loss,value_loss,entropy,approx_kl,"
    "clip_fraction,action_std";

Status write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{tmp + ": cannot open for writing"};
    out << text;
    if (!out.flush()) return Error{tmp + ": write failed"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Error{path + ": cannot rename"};
  return {};
}

std::string escape(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    if (ch == '<') {
      out += "&lt;";
    } else if (ch == '>') {
      out += "&gt;";
    } else if (ch == '&') {
      out += "&amp;";
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string curve_csv_header() {
  return kColumns;
}

std::string curve_csv_row(const CurveRow& r) {
  std::string out = std::to_string(r.iteration) + "," + std::to_string(r.episodes) + "," +
                    std::to_string(r.host_ticks) + "," + std::to_string(r.samples);
  for (const double v : {r.simulated_seconds, r.wall_seconds, r.ticks_per_second,
                         r.sim_steps_per_second, r.mean_episode_reward}) {
    out += "," + number(v);
  }
  out += "," + (r.eval_reward ? number(*r.eval_reward) : std::string());
  const RewardTerms& t = r.terms;
  for (const double v : {t.tail, t.sla, t.stall, t.cv, t.fragmentation, t.utilisation, t.overcommit,
                         t.changes, t.change_size, r.policy_loss, r.value_loss, r.entropy,
                         r.approx_kl, r.clip_fraction, r.action_std}) {
    out += "," + number(v);
  }
  return out;
}

Result<CurveRow> parse_curve_csv_row(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  if (cells.size() != 25) {
    return Error{"curve row has " + std::to_string(cells.size()) + " columns, expected 25"};
  }
  CurveRow r;
  try {
    size_t i = 0;
    auto d = [&] { return std::stod(cells.at(i++)); };
    auto u = [&] { return static_cast<uint64_t>(std::stoull(cells.at(i++))); };
    r.iteration = u();
    r.episodes = u();
    r.host_ticks = u();
    r.samples = u();
    r.simulated_seconds = d();
    r.wall_seconds = d();
    r.ticks_per_second = d();
    r.sim_steps_per_second = d();
    r.mean_episode_reward = d();
    if (!cells.at(i).empty()) r.eval_reward = std::stod(cells.at(i));
    ++i;
    for (double* v : {&r.terms.tail, &r.terms.sla, &r.terms.stall, &r.terms.cv,
                      &r.terms.fragmentation, &r.terms.utilisation, &r.terms.overcommit,
                      &r.terms.changes, &r.terms.change_size, &r.policy_loss, &r.value_loss,
                      &r.entropy, &r.approx_kl, &r.clip_fraction, &r.action_std}) {
      *v = d();
    }
  } catch (const std::exception&) {
    return Error{"curve row is not numeric: " + line};
  }
  return r;
}

std::string curve_svg(const std::vector<CurveRow>& rows, const std::string& title) {
  constexpr double kW = 800, kH = 420, kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;
  double x_max = 1, y_min = 0, y_max = 0;
  bool first = true;
  for (const auto& r : rows) {
    x_max = std::max(x_max, static_cast<double>(r.host_ticks));
    for (const double y : {r.mean_episode_reward, r.eval_reward.value_or(r.mean_episode_reward)}) {
      y_min = first ? y : std::min(y_min, y);
      y_max = first ? y : std::max(y_max, y);
      first = false;
    }
  }
  if (y_max - y_min < 1e-9) {
    y_min -= 1;
    y_max += 1;
  }
  const double pad = 0.05 * (y_max - y_min);
  y_min -= pad;
  y_max += pad;
  auto px = [&](double x) { return kLeft + (kW - kLeft - kRight) * x / x_max; };
  auto py = [&](double y) { return kTop + (kH - kTop - kBottom) * (y_max - y) / (y_max - y_min); };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << kH
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << kW / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
    << escape(title) << "</text>\n"
    << "<line x1=\"" << kLeft << "\" y1=\"" << kH - kBottom << "\" x2=\"" << kW - kRight
    << "\" y2=\"" << kH - kBottom << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\""
    << kH - kBottom << "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    const double y = y_min + (y_max - y_min) * i / 4.0;
    const double x = x_max * i / 4.0;
    s << "<line x1=\"" << kLeft - 4 << "\" y1=\"" << py(y) << "\" x2=\"" << kW - kRight
      << "\" y2=\"" << py(y) << "\" stroke=\"#ddd\"/>\n"
      << "<text x=\"" << kLeft - 8 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">"
      << number(y) << "</text>\n"
      << "<text x=\"" << px(x) << "\" y=\"" << kH - kBottom + 18 << "\" text-anchor=\"middle\">"
      << number(x) << "</text>\n";
  }
  s << "<text x=\"" << (kLeft + kW - kRight) / 2 << "\" y=\"" << kH - 10
    << "\" text-anchor=\"middle\">host control ticks trained on</text>\n"
    << "<text transform=\"translate(16," << (kTop + kH - kBottom) / 2
    << ") rotate(-90)\" text-anchor=\"middle\">episode reward</text>\n";
  std::string train, eval;
  for (const auto& r : rows) {
    const std::string point = number(px(static_cast<double>(r.host_ticks))) + "," +
                              number(py(r.mean_episode_reward)) + " ";
    train += point;
    if (r.eval_reward) {
      eval +=
          number(px(static_cast<double>(r.host_ticks))) + "," + number(py(*r.eval_reward)) + " ";
    }
  }
  s << "<polyline fill=\"none\" stroke=\"#7aa6d6\" stroke-width=\"1.5\" points=\"" << train
    << "\"/>\n"
    << "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"" << eval << "\"/>\n"
    << "<text x=\"" << kLeft + 10 << "\" y=\"" << kTop + 14
    << "\" fill=\"#3b6fa8\">training episodes (with exploration noise)</text>\n"
    << "<text x=\"" << kLeft + 10 << "\" y=\"" << kTop + 30
    << "\" fill=\"#c0392b\">deterministic actor, evaluation-seed scenarios</text>\n"
    << "</svg>\n";
  return s.str();
}

Status write_curve(const std::string& csv_path, const std::string& svg_path,
                   const std::vector<CurveRow>& rows, const std::string& title) {
  std::string csv = curve_csv_header() + "\n";
  for (const auto& r : rows) csv += curve_csv_row(r) + "\n";
  if (auto st = write_file(csv_path, csv); !st.ok()) return st;
  return write_file(svg_path, curve_svg(rows, title));
}

}  // namespace dwae::train
