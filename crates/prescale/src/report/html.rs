//! The report page: self-contained HTML (inline CSS, no script, charts as relative SVG files).

use super::ChartFiles;
use crate::outcome::{PolicyOutcome, TraceOutcome};

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 1180px; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { margin-bottom: 0.3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.help { background: #f6f7f9; border-left: 4px solid #0072b2; padding: 0.6rem 1rem; }
.help dt { font-weight: 600; }
.help dd { margin: 0 0 0.4rem 1.2rem; }
.facts { color: #444; }
table { border-collapse: collapse; font-size: 0.92rem; margin: 0.8rem 0; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e3e3; }
th { background: #f0f0f0; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td { text-align: right; font-variant-numeric: tabular-nums; }
tr.oracle td { color: #666; font-style: italic; }
img { max-width: 100%; height: auto; display: block; margin: 0.6rem 0; }
";

const HOW_TO_READ: &str = "<section class=\"help\">
<h2>How to read this</h2>
<p>Each trace's demand was replayed through every policy; the oracle is the policy with perfect
foresight of demand. Shares are percentages of the scored steps (those whose demand is known).</p>
<dl>
<dt>cost / oracle</dt><dd>The policy's cost divided by the oracle's: 1.0 is perfect foresight.</dd>
<dt>iso-SLO cost / oracle, knob</dt><dd>The cheapest setting of the policy's knob (for example
target utilization) that keeps τU ≤ 0.5 %, and that setting: policies compared at equal service.
“—” when no setting reached it or the policy has no knob.</dd>
<dt>θU, θO</dt><dd>Mean shortfall and mean excess of ready capacity, relative to what was needed.</dd>
<dt>τU, τO</dt><dd>Share of steps under-provisioned and over-provisioned.</dd>
<dt>instability</dt><dd>Share of consecutive step pairs where capacity and need did not move in
the same direction.</dd>
<dt>unserved</dt><dd>Share of the demand that ready capacity could not serve.</dd>
<dt>actions</dt><dd>Decisions that added or removed at least one instance.</dd>
<dt>charts</dt><dd>Black: demand in instances (demand ÷ capacity per instance); gaps are steps
whose demand is unknown. Colours: each policy's ready capacity (the least during a step). The
first chart covers the whole trace; each of its points stands for a group of steps and shows
the highest demand and the lowest capacity of the group, so a shortfall is never averaged away.
The second shows the two days around the demand peak step by step: boot lag and scale-down
delays are visible there.</dd>
</dl>
</section>
";

/// The whole page; `charts[i]` belongs to `outcomes[i]`.
pub(super) fn page(title: &str, outcomes: &[TraceOutcome], charts: &[ChartFiles]) -> String {
    let title = escape(title);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    html.push_str(HOW_TO_READ);
    for (outcome, files) in outcomes.iter().zip(charts) {
        html.push_str(&trace_section(outcome, files));
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn trace_section(outcome: &TraceOutcome, files: &ChartFiles) -> String {
    let name = escape(&outcome.series.name);
    let mut html = format!(
        "<section>\n<h2>{name}</h2>\n<p class=\"facts\">{}</p>\n",
        facts(outcome)
    );
    html.push_str(&table(&outcome.policies));
    html.push_str(&image(
        &files.overview,
        &format!("demand and ready capacity of {name}"),
    ));
    if let Some(peak) = &files.peak {
        html.push_str(&image(
            peak,
            &format!("two days around the demand peak of {name}"),
        ));
    }
    html.push_str("</section>\n");
    html
}

/// Steps, step length, capacity per instance and where the series starts.
fn facts(outcome: &TraceOutcome) -> String {
    let series = &outcome.series;
    let start = if series.absolute {
        format!(" · starts {}", super::utc_label(series.start))
    } else {
        String::new()
    };
    format!(
        "{} steps ({} with known demand) · step {} · capacity per instance {}{start}",
        grouped(series.len()),
        grouped(series.known_steps()),
        duration(series.step_seconds),
        number(outcome.capacity_per_instance),
    )
}

fn table(policies: &[PolicyOutcome]) -> String {
    let mut html = String::from(
        "<table>\n<thead><tr><th>policy</th><th>cost</th><th>cost / oracle</th>\
         <th>iso-SLO cost / oracle</th><th>knob</th><th>θU %</th><th>θO %</th><th>τU %</th>\
         <th>τO %</th><th>instability %</th><th>unserved %</th><th>actions</th></tr></thead>\n<tbody>\n",
    );
    for policy in policies {
        html.push_str(&row(policy));
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

fn row(policy: &PolicyOutcome) -> String {
    let m = &policy.metrics;
    let class = if policy.run.policy == "oracle" {
        " class=\"oracle\""
    } else {
        ""
    };
    let cells = [
        number(m.cost),
        number(policy.cost_vs_oracle),
        policy.iso_slo_cost_vs_oracle.map_or_else(dash, number),
        policy.iso_slo_knob.map_or_else(dash, number),
        percent(m.theta_u),
        percent(m.theta_o),
        percent(m.tau_u),
        percent(m.tau_o),
        percent(m.instability),
        percent(m.unserved),
        m.actions.to_string(),
    ];
    format!(
        "<tr{class}><td>{}</td><td>{}</td></tr>\n",
        escape(&policy.run.policy),
        cells.join("</td><td>")
    )
}

fn image(src: &str, alt: &str) -> String {
    format!(
        "<img src=\"{}\" alt=\"{alt}\" width=\"1100\" height=\"420\">\n",
        escape(src)
    )
}

fn dash() -> String {
    "—".to_string()
}

/// Two decimals; "n/a" for a figure that could not be computed (NaN, infinite).
fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "n/a".to_string()
    }
}

/// A share (a fraction in the data) as a percentage with two decimals.
fn percent(share: f64) -> String {
    number(share * 100.0)
}

/// The largest whole unit: "1 min", "5 min", "1 h", "90 s".
fn duration(seconds: u32) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A count with its thousands set apart by thin spaces: "90 000".
fn grouped(n: usize) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|group| group.iter().collect())
        .collect();
    groups.join("\u{2009}")
}

/// Text safe inside elements and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    fn sample_page() -> String {
        let files = ChartFiles {
            overview: "charts/x.svg".to_string(),
            peak: Some("charts/x.peak.svg".to_string()),
        };
        page("Backtest <March>", &[sample()], &[files])
    }

    #[test]
    fn the_table_shows_each_policy_with_two_decimals() {
        let html = sample_page();
        let reactive = "<tr><td>reactive</td><td>321.50</td><td>1.23</td><td>1.46</td><td>0.60</td>\
                        <td>1.23</td><td>25.00</td><td>0.40</td><td>50.00</td><td>10.00</td><td>0.01</td><td>7</td></tr>";
        assert!(html.contains(reactive), "{html}");
        assert!(html.contains("<tr class=\"oracle\"><td>oracle</td>"));
    }

    #[test]
    fn a_missing_iso_slo_result_shows_a_dash() {
        assert!(sample_page().contains("<td>2.00</td><td>—</td><td>—</td>"));
    }

    #[test]
    fn names_are_html_escaped() {
        let html = sample_page();
        assert!(html.contains("<td>a&lt;b&amp;c</td>"));
        assert!(html.contains("<h2>web&amp;shop &lt;eu&gt;</h2>"));
        assert!(html.contains("<title>Backtest &lt;March&gt;</title>"));
        assert!(!html.contains("a<b&c") && !html.contains("<eu>"));
    }

    #[test]
    fn the_page_describes_the_trace_and_embeds_both_charts() {
        let html = sample_page();
        assert!(html
            .contains("72 steps (68 with known demand) · step 1 h · capacity per instance 10.00"));
        assert!(html.contains("starts 2024-03-01 00:00 UTC"));
        assert!(
            html.contains("<img src=\"charts/x.svg\"")
                && html.contains("<img src=\"charts/x.peak.svg\"")
        );
    }

    #[test]
    fn the_page_works_offline() {
        let html = sample_page();
        assert!(!html.contains("<script") && !html.contains("http") && !html.contains("<link"));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let shown: Vec<_> = [0, 999, 1_000, 90_000, 1_234_567].map(grouped).into();
        assert_eq!(
            shown,
            [
                "0",
                "999",
                "1\u{2009}000",
                "90\u{2009}000",
                "1\u{2009}234\u{2009}567"
            ]
        );
    }

    #[test]
    fn durations_use_the_largest_whole_unit() {
        let shown: Vec<_> = [45, 60, 300, 3_600, 5_400, 86_400].map(duration).into();
        assert_eq!(shown, ["45 s", "1 min", "5 min", "1 h", "90 min", "1 d"]);
    }
}
