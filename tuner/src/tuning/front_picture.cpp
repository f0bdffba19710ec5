// The front as an SVG picture (front_picture.h): hand-written SVG, so a report needs no browser.
#include "tinytx/tuner/front_picture.h"

#include "tinytx/tuner/display_units.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace tinytx::tuner {

namespace {

// round steps (1, 2, 5 x 10^k) from 0 to at least top, about `want` of them
std::vector<double> ticks(double top, int want)
{
    const double raw = top / want;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (f * mag >= raw) {
            step = f * mag;
            break;
        }
    std::vector<double> t;
    for (int i = 0; i * step < top * (1 + 1e-9) + step; ++i)
        t.push_back(i * step);
    return t;
}

std::string xml(const std::string &s)
{
    std::string o;
    for (char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else if (c == '"') o += "&quot;";
        else o += c;
    }
    return o;
}

std::string num(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

}  // namespace

std::string front_svg(const FrontPicture &p)
{
    const double W = 760, H = 490, left = 84, right = 24, top = 82, bottom = 58;
    const double pw = W - left - right, ph = H - top - bottom;
    const bool by_time = p.clock_hz > 0;
    auto xval = [&](const PicturePoint &q) { return by_time ? q.latency_us : double(q.latency_cycles); };

    double xmax = 0, front_ymax = 0;  // front_ymax: the highest point within the budget
    for (const PicturePoint &q : p.points) {
        xmax = std::max(xmax, xval(q));
        if (q.status != "over_budget")
            front_ymax = std::max(front_ymax, double(q.peak_bytes));
    }
    // the budget is drawn inside the plot when that leaves the points at least a third of its
    // height; else above it, as an annotation with an arrow
    const double budget = double(p.budget_bytes);
    const bool budget_inside = budget > 0 && budget <= 3 * std::max(front_ymax, 1.0);
    // points over the budget do not stretch the axis: those above it sit on its top edge
    const double ytop_raw = std::max(budget_inside ? budget : 0.0, front_ymax) * 1.08;
    const DisplayUnit xu = display_unit(by_time ? Quantity::kMicroseconds : Quantity::kCycles, xmax);
    const DisplayUnit yu = display_unit(Quantity::kBytes, ytop_raw);
    const std::vector<double> xt = ticks(std::max(xmax * 1.05, 1.0) / xu.scale, 6);
    const std::vector<double> yt = ticks(std::max(ytop_raw, 1.0) / yu.scale, 6);
    const double xspan = xt.back() * xu.scale, yspan = yt.back() * yu.scale;
    auto X = [&](double v) { return left + pw * v / xspan; };
    auto Y = [&](double v) { return top + ph * (1 - v / yspan); };

    std::ostringstream s;
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W
      << ' ' << H << "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
    size_t n_front = 0;
    for (const PicturePoint &q : p.points)
        n_front += q.status == "front";
    s << "<text x=\"" << left << "\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" << xml("Pareto front of " + p.model + " on " + p.board)
      << "</text>\n<text x=\"" << left << "\" y=\"41\" fill=\"#5f6b7a\">"
      << xml(std::to_string(n_front) + " front points" +
             (p.points.size() > n_front ? " of " + std::to_string(p.points.size()) + " candidates run" : "") + "; figures")
      << "</text>\n<text x=\"" << left << "\" y=\"57\" fill=\"#5f6b7a\">" << xml(p.source) << "</text>\n";

    // grid, ticks and their labels
    for (double t : xt) {
        const double x = X(t * xu.scale);
        s << "<line x1=\"" << num(x) << "\" y1=\"" << top << "\" x2=\"" << num(x) << "\" y2=\"" << top + ph
          << "\" stroke=\"#e3e7ec\"/>\n<text class=\"tick x\" x=\"" << num(x) << "\" y=\"" << top + ph + 17
          << "\" text-anchor=\"middle\">" << xml(three_figures(t) + " " + xu.name) << "</text>\n";
    }
    for (double t : yt) {
        const double y = Y(t * yu.scale);
        s << "<line x1=\"" << left << "\" y1=\"" << num(y) << "\" x2=\"" << left + pw << "\" y2=\"" << num(y)
          << "\" stroke=\"#e3e7ec\"/>\n<text class=\"tick y\" x=\"" << left - 6 << "\" y=\"" << num(y + 4)
          << "\" text-anchor=\"end\">" << xml(three_figures(t) + " " + yu.name) << "</text>\n";
    }
    s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" fill=\"none\" stroke=\"#8a94a3\"/>\n";
    const std::string xtitle = by_time ? "latency (at " + three_figures(p.clock_hz / 1e6) + " MHz)" : "latency";
    s << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 16 << "\" text-anchor=\"middle\">" << xml(xtitle) << "</text>\n"
      << "<text transform=\"translate(18 " << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">arena peak (planned)</text>\n";

    // the budget
    if (budget > 0) {
        const DisplayUnit bu = display_unit(Quantity::kBytes, budget);
        const std::string label = "budget " + three_figures(budget / bu.scale) + " " + bu.name;
        if (budget_inside) {
            s << "<line class=\"budget\" x1=\"" << left << "\" y1=\"" << num(Y(budget)) << "\" x2=\"" << left + pw
              << "\" y2=\"" << num(Y(budget)) << "\" stroke=\"#b3261e\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
              << "<text x=\"" << left + pw - 4 << "\" y=\"" << num(Y(budget) - 5) << "\" text-anchor=\"end\" fill=\"#b3261e\">"
              << xml(label) << "</text>\n";
        } else {
            const std::string use = three_figures(100.0 * front_ymax / budget);
            s << "<g class=\"budget\" fill=\"#b3261e\"><path d=\"M" << left + pw - 14 << ' ' << top + 4 << " l-6 10 h12 z\"/>"
              << "<text x=\"" << left + pw - 26 << "\" y=\"" << top + 14 << "\" text-anchor=\"end\">"
              << xml(label + " is far above: the largest point uses " + use + " % of it") << "</text></g>\n";
        }
    }

    // the front as a staircase, then the points: dominated grey, over budget crosses, front blue
    std::vector<const PicturePoint *> front;
    for (const PicturePoint &q : p.points)
        if (q.status == "front")
            front.push_back(&q);
    std::sort(front.begin(), front.end(), [&](auto *a, auto *b) { return xval(*a) < xval(*b); });
    if (front.size() > 1) {
        s << "<path d=\"";
        for (size_t i = 0; i < front.size(); ++i) {
            const double x = X(xval(*front[i])), y = Y(double(front[i]->peak_bytes));
            if (i)
                s << " H" << num(x) << " V" << num(y);
            else
                s << "M" << num(x) << ' ' << num(y);
        }
        s << "\" fill=\"none\" stroke=\"#0b6bcb\" stroke-opacity=\"0.35\"/>\n";
    }
    for (const char *pass : {"dominated", "over_budget", "front"})
        for (const PicturePoint &q : p.points) {
            if (q.status != pass)
                continue;
            const double x = X(xval(q)), y = Y(std::min(double(q.peak_bytes), yspan));
            if (q.status == "over_budget" && double(q.peak_bytes) > yspan)
                s << "<path class=\"point over above\" d=\"M" << num(x) << ' ' << num(y - 5) << " l5 8 h-10 z\" fill=\"#969ca6\"/>\n";
            else if (q.status == "over_budget")
                s << "<path class=\"point over\" d=\"M" << num(x - 4) << ' ' << num(y - 4) << " l8 8 m0 -8 l-8 8\" stroke=\"#969ca6\" stroke-width=\"2\"/>\n";
            else if (q.status == "dominated")
                s << "<circle class=\"point dominated\" cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"3.5\" fill=\"#6e7682\" fill-opacity=\"0.45\"/>\n";
            else
                s << "<circle class=\"point front\" cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"5\" fill=\"#0b6bcb\" stroke=\"#1d2430\"/>\n";
        }
    for (const PicturePoint &q : p.points)
        if (q.best) {
            const double x = X(xval(q)), y = Y(double(q.peak_bytes));
            const std::string fig = three_figures(xval(q) / xu.scale) + " " + xu.name + ", " +
                                    three_figures(q.peak_bytes / yu.scale) + " " + yu.name;
            s << "<circle class=\"best\" cx=\"" << num(x) << "\" cy=\"" << num(y)
              << "\" r=\"10\" fill=\"none\" stroke=\"#d1495b\" stroke-width=\"2.5\"/>\n<text x=\"" << num(x + 14)
              << "\" y=\"" << num(y - 10) << "\" fill=\"#d1495b\" font-weight=\"bold\">" << xml("best: " + fig) << "</text>\n";
        }
    s << "</svg>\n";
    return s.str();
}

}  // namespace tinytx::tuner
