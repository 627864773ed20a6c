//! Inline SVG charts: one alert's figure over the incident window, its limits dashed, the
//! time it was in alert shaded. Plain SVG 1.1 with a <title>, so it renders anywhere and
//! reads out in a screen reader.

use super::Chart;
use super::html::esc;
use crate::model::Timestamp;
use std::fmt::Write as _;

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

pub fn chart(c: &Chart) -> String {
    let (t0, t1) = {
        let ts = c
            .points
            .iter()
            .map(|p| p.0)
            .chain(c.windows.iter().flat_map(|w| std::iter::once(w.0).chain(w.1)));
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for t in ts {
            lo = lo.min(t.0);
            hi = hi.max(t.0);
        }
        (lo, hi.max(lo + 1))
    };
    let x = |t: Timestamp| LEFT + (t.0.saturating_sub(t0) as f64) / ((t1 - t0) as f64) * (W - LEFT - RIGHT);
    let is_state = c.metric.is_none();
    let (ylo, yhi) = if is_state {
        (0.0, 1.0)
    } else {
        let mut hi = c.points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
        for l in c.limits.iter().flatten() {
            hi = hi.max(*l);
        }
        (0.0, if hi <= 0.0 { 1.0 } else { hi * 1.1 })
    };
    let y = |v: f64| TOP + (1.0 - (v - ylo) / (yhi - ylo)) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="t-{id}"><title id="t-{id}">{title}</title>"#,
        id = esc(&slug(&c.run, &c.key)),
        title = esc(&c.title)
    );
    let _ = write!(s, r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##);
    // Alert windows.
    for (from, to) in &c.windows {
        let x0 = x(*from);
        let x1 = to.map(x).unwrap_or(W - RIGHT);
        let _ = write!(
            s,
            r##"<rect class="alert-window" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="#d62728" fill-opacity="0.12"/>"##,
            (x1 - x0).max(1.0),
            H - TOP - BOTTOM
        );
    }
    // Axes.
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#444"/>"##,
        b = H - BOTTOM,
        r = W - RIGHT
    );
    let label = |v: f64| match c.metric {
        Some(m) => m.format(v),
        None => String::new(),
    };
    if is_state {
        let good = super::super::series::healthy_state(&c.key).unwrap_or("ok");
        let bad: Vec<&str> = {
            let mut b: Vec<&str> = c.states.iter().map(|(_, s)| s.as_str()).filter(|s| *s != good).collect();
            b.dedup();
            b
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y(1.0) + 4.0,
            esc(good)
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y(0.0) + 4.0,
            esc(&if bad.is_empty() { "not".to_string() } else { bad.join("/") })
        );
    } else {
        for v in [ylo, (ylo + yhi) / 2.0, yhi] {
            let _ = write!(
                s,
                r##"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text><line x1="{LEFT}" y1="{yy:.1}" x2="{r}" y2="{yy:.1}" stroke="#ddd"/>"##,
                LEFT - 6.0,
                y(v) + 4.0,
                esc(&label(v)),
                yy = y(v),
                r = W - RIGHT
            );
        }
        for (name, limit, colour) in [("warn", c.limits[0], "#ff7f0e"), ("crit", c.limits[1], "#d62728")] {
            if let Some(l) = limit {
                let _ = write!(
                    s,
                    r#"<line class="limit-{name}" x1="{LEFT}" y1="{yy:.1}" x2="{r}" y2="{yy:.1}" stroke="{colour}" stroke-dasharray="6 4"/><text x="{r}" y="{:.1}" font-size="10" text-anchor="end" fill="{colour}">{name} {}</text>"#,
                    y(l) - 3.0,
                    esc(&label(l)),
                    yy = y(l),
                    r = W - RIGHT
                );
            }
        }
    }
    // The figure: a line for numbers, steps for states.
    let mut path = String::new();
    for (i, (t, v)) in c.points.iter().enumerate() {
        let (px, py) = (x(*t), y(*v));
        if i == 0 {
            let _ = write!(path, "M{px:.1},{py:.1}");
        } else if is_state {
            let _ = write!(path, " H{px:.1} V{py:.1}");
        } else {
            let _ = write!(path, " L{px:.1},{py:.1}");
        }
    }
    let _ = write!(s, r##"<path class="series" d="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>"##);
    // Time axis: the ends, and the clock they are on.
    let clock = match c.clock {
        super::Clock::Wall => "UTC",
        super::Clock::Simulated => "UTC, simulated",
    };
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="{:.1}" font-size="11">{}</text><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
        H - BOTTOM + 16.0,
        Timestamp(t0).clock(),
        W - RIGHT,
        H - BOTTOM + 16.0,
        Timestamp(t1).clock(),
        (LEFT + W - RIGHT) / 2.0,
        H - 6.0,
        esc(&format!("time ({clock}); shaded: in alert; {} samples", c.points.len()))
    );
    let _ =
        write!(s, r#"<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{}</text>"#, esc(&c.title));
    s.push_str("</svg>");
    s
}

fn slug(run: &str, key: &str) -> String {
    format!("{run}-{key}").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}
